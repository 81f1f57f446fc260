import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithShared } from '../helpers.js';
import { reportObservationResults, vqaObservationResults } from '../../src/plots/observations.js';

describeWithShared('plots/observations: per-observation F1 of generated reports', ['data', 'chexpert-phrases'], () => {
  it('labels references and predictions with the rule labeler and scores each observation (hand-worked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-obs-'));
    try {
      const rec = (id: string, answer: string, task = 'report-findings') => JSON.stringify({ id, task, answer, answerKind: 'free', questionType: task, split: 'mimic_findings' });
      writeFileSync(join(dir, 'bench.jsonl'), [rec('a', 'The heart is enlarged, consistent with cardiomegaly.'), rec('b', 'No acute cardiopulmonary process.'), rec('q', 'yes', 'vqa')].join('\n') + '\n');
      writeFileSync(join(dir, 'm.jsonl'), [JSON.stringify({ id: 'a', text: 'Cardiomegaly.' }), JSON.stringify({ id: 'b', text: '<think>heart [1, 2, 3, 4]</think>\\boxed{Cardiomegaly is present.}' }), JSON.stringify({ id: 'q', text: 'no' })].join('\n') + '\n');
      const r = reportObservationResults(join(dir, 'bench.jsonl'), { m: join(dir, 'm.jsonl') });
      assert.deepEqual(r.reportTexts.m, ['Cardiomegaly.', 'Cardiomegaly is present.']);
      assert.equal(r.reportTexts['ground truth'].length, 2);
      // Cardiomegaly: tp 1 (a), fp 1 (b) -> F1 = 2/3, recall 1
      assert.ok(Math.abs(r.observationF1.m.Cardiomegaly! - 2 / 3) < 1e-12);
      assert.equal(r.observationRecall.m.Cardiomegaly, 1);
      // an observation neither side mentions has no F1 entry
      assert.equal(r.observationF1.m.Pneumothorax, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plots/observations: per-finding F1 / recall / precision of list VQA answers', () => {
  it('pools true / false positives over items (hand-worked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-vqaobs-'));
    try {
      const rec = (id: string, answer: string, answerKind = 'list') => JSON.stringify({ id, task: 'vqa', answer, answerKind, questionType: 'abnormality', vqaSet: 'cxr-vqa' });
      writeFileSync(join(dir, 'bench.jsonl'), [rec('1', 'Atelectasis|pleural effusion'), rec('2', 'edema'), rec('3', 'yes', 'short'), rec('4', 'pneumothorax')].join('\n') + '\n');
      const preds = [{ id: '1', text: '\\boxed{atelectasis | cardiomegaly}' }, { id: '2', text: 'edema|pleural effusion' }, { id: '3', text: 'yes' }, { id: '4', text: 'edema' }];
      writeFileSync(join(dir, 'm.jsonl'), preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
      const r = vqaObservationResults(join(dir, 'bench.jsonl'), { m: join(dir, 'm.jsonl') });
      // atelectasis tp1; pleural effusion fn1 (item 1) + fp1 (item 2); edema tp1 (item 2) + fp1 (item 4);
      // pneumothorax fn1 and never answered; cardiomegaly fp1 only (not in any truth: no column)
      assert.deepEqual(r.f1.m, { atelectasis: 1, 'pleural effusion': 0, edema: 2 / 3, pneumothorax: 0 });
      assert.deepEqual(r.recall.m, { atelectasis: 1, 'pleural effusion': 0, edema: 1, pneumothorax: 0 });
      // precision tp / (tp + fp): undefined (left out) for pneumothorax, which the model never answered
      assert.deepEqual(r.precision.m, { atelectasis: 1, 'pleural effusion': 0, edema: 0.5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
