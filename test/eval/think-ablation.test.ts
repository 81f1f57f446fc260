import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { initBackend } from '../../src/backend.js';
import { predictRecords } from '../../src/eval/predict.js';
import { thinkAblation } from '../../src/eval/think-ablation.js';
import { predictedReport } from '../../src/eval/harness.js';
import { vqaScore } from '../../src/metrics/vqa.js';
import { tinyDataset, tinyModel } from '../train/fixtures.js';

describe('answers with and without the reasoning', () => {
  let root = '';
  before(async () => {
    await initBackend({ log: null });
    root = (await tinyDataset(4)).root;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a response prefix is decoded from, and returned with, the response', async () => {
    const { records } = await tinyDataset(2);
    const { tok, model } = tinyModel(3);
    const [p] = await predictRecords(model, tok, records.slice(0, 1), { imageRoot: root, maxNewTokens: 4, quiet: true, responsePrefix: '<think></think>' });
    assert.ok(p.text.startsWith('<think></think>'), p.text);
    assert.deepEqual(tok.encode('<think></think>').map((id) => tok.tokenText(id)), ['<think>', '</think>'], 'two special tokens');
    model.dispose();
  });

  it('scores the same VQA items both ways; an item answered the same way counts as agreeing', async () => {
    const { records } = await tinyDataset(4);
    const vqa = records.filter((r) => r.task === 'vqa');
    const { tok, model } = tinyModel(5);
    const o = { imageRoot: root, maxNewTokens: 6, quiet: true };
    const r = await thinkAblation(model, tok, vqa, o);
    // The same numbers from the two decodes made separately.
    const full = await predictRecords(model, tok, vqa, o);
    const empty = await predictRecords(model, tok, vqa, { ...o, responsePrefix: '<think></think>' });
    const acc = (ps: { text: string }[]) => ps.reduce((a, p, i) => a + vqaScore(predictedReport(p.text), vqa[i].answer, vqa[i].answerKind), 0) / vqa.length;
    assert.equal(r.n, vqa.length);
    assert.equal(r.withThink, acc(full));
    assert.equal(r.emptyThink, acc(empty));
    assert.equal(r.sameAnswer, full.filter((p, i) => predictedReport(p.text).trim().toLowerCase() === predictedReport(empty[i].text).trim().toLowerCase()).length / vqa.length);
    assert.equal(Object.values(r.byType).reduce((a, t) => a + t.n, 0), vqa.length);
    await assert.rejects(thinkAblation(model, tok, records, { imageRoot: root, quiet: true }), /VQA records only/);
    model.dispose();
  });
});
