import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkItemOf, closedAnswerRates, evaluateFiles, evaluatePairs, headline, matchPredictions, readBenchmark, readPredictions, splitOf, vqaBySource } from '../../src/eval/harness.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { existsSync, readFileSync } from 'node:fs';
import { normalizeReport, reportMetrics, REPORT_COLUMNS } from '../../src/metrics/report.js';
import { vqaAccuracy, vqaScore } from '../../src/metrics/vqa.js';
import { command as evaluateCommand } from '../../src/commands/evaluate.js';
import { command as labelCommand } from '../../src/commands/label.js';
import { describeWithShared } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'metrics-harness-'));
function file(name: string, lines: (object | string)[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
}
async function captureStdout(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const log = console.log;
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  (process.stdout as { write: unknown }).write = (s: string) => ((out += s), true);
  try {
    return { code: await fn(), out };
  } finally {
    console.log = log;
    (process.stdout as { write: unknown }).write = write;
  }
}

describe('metrics: benchmark split ids', () => {
  it('uses split, else the VQA set, else source + section, else the task', () => {
    const r = (x: Partial<InstructionRecord>): InstructionRecord => ({ id: 'x', studyId: 's', patientId: 'p', task: 'vqa', questionType: 'presence', images: [], prompt: '', answer: '', answerKind: 'short', boxes: [], source: 'synthetic', frame: 512, ...x });
    assert.equal(splitOf(r({ split: 'cxr_vqa' })), 'cxr_vqa');
    assert.equal(splitOf(r({ vqaSet: 'ext-vqa' })), 'ext_vqa');
    assert.equal(splitOf(r({ task: 'report-impression', source: 'openi' })), 'openi_impression');
    assert.equal(splitOf(r({ task: 'report-findings', source: 'synthetic' })), 'report-findings');
  });
});

describe('metrics: VQA accuracy', () => {
  it('exact match for short answers, set F1 for lists, per question type', () => {
    assert.equal(vqaScore(' Yes ', 'yes', 'short'), 1);
    assert.equal(vqaScore('no', 'yes', 'short'), 0);
    // items {a, b} vs {b, c, d}: P 1/2, R 1/3 -> F1 0.4
    assert.ok(Math.abs(vqaScore('a|b', 'B | c | d', 'list') - 0.4) < 1e-12);
    assert.equal(vqaScore('Left lower lobe.', 'left lower lobe', 'free'), 1);
    const acc = vqaAccuracy([{ questionType: 'presence', score: 1 }, { questionType: 'presence', score: 0 }, { questionType: 'view', score: 1 }]);
    assert.equal(acc.overall, 2 / 3);
    assert.equal(acc.meanOverTypes, 0.75);
    assert.deepEqual(acc.byType, { presence: { accuracy: 0.5, n: 2 }, view: { accuracy: 1, n: 1 } });
    assert.equal(acc.bySource, undefined, 'no source named, no breakdown');
    const bySrc = vqaAccuracy([
      { questionType: 'presence', score: 1, source: 'synthetic' },
      { questionType: 'presence', score: 0, source: 'nih' },
      { questionType: 'view', score: 1, source: 'nih' },
    ]).bySource;
    assert.deepEqual(bySrc, { nih: { accuracy: 0.5, n: 2 }, synthetic: { accuracy: 1, n: 1 } });
  });
  it('counts the closed answers a model gives against the true ones, per image source', () => {
    const item = (id: string, answer: string, source?: string, task: 'vqa' | 'report' = 'vqa') =>
      ({ id, task, split: 'ext_vqa', answer, answerKind: 'short' as const, questionType: 'q', ...(source ? { source } : {}) });
    const pairs = [
      { item: item('1', 'yes', 'nih'), prediction: '<think>x</think>\\boxed{Yes}' },
      { item: item('2', 'no', 'nih'), prediction: '\\boxed{yes}' },
      { item: item('3', 'no', 'nih'), prediction: '\\boxed{no}' },
      { item: item('4', 'PA', 'nih'), prediction: '\\boxed{AP}' },
      { item: item('5', 'AP', 'synthetic'), prediction: 'PA' },
      { item: item('6', 'left lung', 'synthetic'), prediction: 'yes' },
      { item: item('7', 'yes', 'synthetic', 'report'), prediction: 'yes' },
    ];
    const rates = closedAnswerRates({ pairs, counts: { benchmark: 7, predictions: 7, matched: 7, missing: 0, extra: 0 }, missingIds: [], extraIds: [] });
    // nih: "yes" given on items 1 and 2, true on item 1; "AP" given on item 4, true on none. Items 6 (open) and 7 (report) do not count.
    assert.deepEqual(rates, {
      nih: { yes: { predicted: 2, truth: 1, n: 3 }, AP: { predicted: 1, truth: 0, n: 1 } },
      synthetic: { yes: { predicted: 0, truth: 0, n: 0 }, AP: { predicted: 0, truth: 1, n: 1 } },
    });
  });
});

describeWithShared('metrics: report metrics and the harness', ['data', 'chexpert-phrases'], () => {
  it('normalizes R2Gen-style', () => {
    assert.equal(normalizeReport('The heart, size: NORMAL.  No effusion... 2.5 cm'), 'the heart size normal . no effusion . 2.5 cm');
  });
  it('gives the 11 columns and their mean; a perfect copy scores BLEU = ROUGE-L = 1', () => {
    const texts = ['Heart size is normal. No effusion.', 'Mild cardiomegaly. Small left pleural effusion.'];
    const m = reportMetrics(texts, texts);
    assert.deepEqual(Object.keys(m), [...REPORT_COLUMNS, 'Average']);
    for (const k of ['BLEU-1', 'BLEU-4', 'ROUGE-L', 'F1-RadGraph', 'Micro-14']) assert.ok(Math.abs(m[k] - 1) < 1e-6, k);
    assert.ok(Math.abs(m.Average - REPORT_COLUMNS.reduce((s, c) => s + m[c], 0) / 11) < 1e-12);
  });
  it('evaluates a benchmark: per split, the size-weighted row, VQA by type, boxed answers', () => {
    const bench = file('bench.jsonl', [
      { id: 'f1', task: 'report-findings', split: 'openi_findings', answer: 'No effusion.', answerKind: 'free', questionType: 'report-findings' },
      { id: 'f2', task: 'report-findings', split: 'openi_findings', answer: 'Mild cardiomegaly.', answerKind: 'free', questionType: 'report-findings' },
      { id: 'i1', task: 'report-impression', split: 'openi_impression', answer: 'Normal chest.', answerKind: 'free', questionType: 'report-impression' },
      { id: 'q1', task: 'vqa', split: 'ext_vqa', answer: 'yes', answerKind: 'short', questionType: 'presence' },
      { id: 'q2', task: 'vqa', split: 'ext_vqa', answer: 'a|b', answerKind: 'list', questionType: 'anatomy' },
      { id: 'g1', task: 'grounding', split: 'ms_cxr', answer: '[1, 2, 3, 4]', answerKind: 'free', questionType: 'grounding' },
    ]);
    const preds = file('preds.jsonl', [
      { id: 'f1', text: '<think>x</think> \\boxed{No effusion.}' },
      { id: 'f2', text: 'Mild cardiomegaly.' },
      { id: 'i1', text: 'Normal chest.' },
      { id: 'q1', text: '<think>[1,2,3,4]</think>\\boxed{Yes}' },
      { id: 'q2', text: 'a' },
      { id: 'g1', text: 'x' },
    ]);
    const r = evaluateFiles(bench, preds);
    assert.deepEqual(Object.keys(r.report), ['openi_findings', 'openi_impression']);
    assert.equal(r.report.openi_findings.n, 2);
    assert.ok(Math.abs(r.report.openi_findings['BLEU-1'] - 1) < 1e-6);
    const w = r.weightedAverage!;
    assert.ok(Math.abs(w.METEOR - ((2 / 3) * r.report.openi_findings.METEOR + (1 / 3) * r.report.openi_impression.METEOR)) < 1e-12);
    // q1 exact (boxed "Yes"), q2 list {a} vs {a, b}: F1 2/3
    assert.ok(Math.abs(r.vqa.ext_vqa.overall - (1 + 2 / 3) / 2) < 1e-12);
    assert.deepEqual(r.counts, { benchmark: 6, predictions: 6, matched: 6, missing: 0, extra: 0, notScored: 1 });
  });
  it('rejects bad input with the file, line and ids named; counts what is missing when allowed', () => {
    const refs = file('refs.jsonl', [{ id: 'a', text: 'x' }, { id: 'b', text: 'y' }, { id: 'c', text: 'z' }]);
    assert.throws(() => readPredictions(file('empty.jsonl', [])), /no predictions \(empty file\)/);
    assert.throws(() => readPredictions(file('noid.jsonl', [{ id: 'a', text: 'x' }, { text: 'y' }])), /noid\.jsonl:2: missing field 'id'/);
    assert.throws(() => readPredictions(file('dup.jsonl', [{ id: 'a', text: 'x' }, { id: 'a', text: 'y' }])), /duplicate ids: a/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, Buffer.concat([Buffer.from('{"id":"a","text":"ok"}\n{"id":"b","text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
    assert.throws(() => readPredictions(bad), /bad\.jsonl:2: not valid UTF-8/);
    const items = readBenchmark(refs);
    assert.throws(() => matchPredictions(items, [{ id: 'zz', text: 'x' }]), /different benchmark/);
    assert.throws(() => matchPredictions(items, [{ id: 'a', text: 'x' }, { id: 'q', text: 'x' }]), /1 prediction ids are not in the benchmark: q/);
    assert.throws(() => matchPredictions(items, [{ id: 'a', text: 'x' }]), /2 of 3 benchmark items have no prediction: b, c/);
    const m = matchPredictions(items, [{ id: 'a', text: 'x' }], { allowMissing: true });
    assert.deepEqual(m.counts, { benchmark: 3, predictions: 1, matched: 1, missing: 2, extra: 0 });
    assert.equal(evaluatePairs(m).report.report.n, 1);
  });
});

describeWithShared('metrics: CLI contracts', ['data', 'chexpert-phrases'], () => {
  it('deepmedix evaluate --references --predictions --json prints the 11 columns, Average and n', async () => {
    const refs = file('cli-refs.jsonl', [{ id: '1', text: 'Heart size is normal. No pleural effusion.' }, { id: '2', text: 'Mild cardiomegaly.' }]);
    const preds = file('cli-preds.jsonl', [{ id: '2', text: 'Mild cardiomegaly.' }, { id: '1', text: 'Heart size normal. Small effusion.' }]);
    const { code, out } = await captureStdout(() => evaluateCommand.run(['--references', refs, '--predictions', preds, '--json']));
    assert.equal(code, 0);
    const obj = JSON.parse(out.trim()) as Record<string, number>;
    assert.deepEqual(Object.keys(obj), [...REPORT_COLUMNS, 'Average', 'n']);
    assert.equal(obj.n, 2);
    // the labeler: ref 1 effusion negative, pred 1 effusion positive -> Pleural Effusion FP; Cardiomegaly TP
    assert.ok(Math.abs(obj['Micro-5'] - 2 / 3) < 1e-12);
  });
  it('deepmedix evaluate --out writes Table 1 and the VQA table with the published rows', async () => {
    const bench = file('cli-bench.jsonl', [
      { id: 'r1', task: 'report-findings', split: 'openi_findings', answer: 'No effusion.', answerKind: 'free', questionType: 'report-findings' },
      { id: 'q1', task: 'vqa', split: 'ext_vqa', answer: 'yes', answerKind: 'short', questionType: 'presence' },
    ]);
    const preds = file('cli-bench-preds.jsonl', [{ id: 'r1', text: 'No effusion.' }, { id: 'q1', text: '\\boxed{yes}', model: 'mini' }]);
    const out = join(dir, 'tables');
    const { code } = await captureStdout(() => evaluateCommand.run(['--references', bench, '--predictions', preds, '--out', out]));
    assert.equal(code, 0);
    for (const f of ['table1.md', 'table1.csv', 'table1.html', 'vqa.md', 'vqa.csv', 'vqa-by-type.md', 'results.json']) assert.ok(existsSync(join(out, f)), f);
    const csv = readFileSync(join(out, 'table1.csv'), 'utf8');
    // BLEU-1 of an exact copy is 1 less the epsilons (tiny/small); BLEU-4 of a 3-token report is tiny^(1/4)-scaled, as in pycocoevalcap
    assert.match(csv, /^openi_findings,ours,mini,0\.99999999\d*,/m);
    assert.match(readFileSync(join(out, 'vqa.csv'), 'utf8'), /ours,mini,1,/);
  });
  it('deepmedix evaluate takes real CheXbert label files (by id) in place of the rule labeler', async () => {
    const refs = file('lab-refs.jsonl', [{ id: '1', text: 'a b c' }, { id: '2', text: 'd e f' }]);
    const preds = file('lab-preds.jsonl', [{ id: '1', text: 'a b c' }, { id: '2', text: 'd e f' }]);
    const header = 'id,Reports,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Lesion,Lung Opacity,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices';
    // ref: 1 has Edema, 2 has Cardiomegaly (uncertain); hyp: 1 has Edema, 2 has nothing
    const refCsv = join(dir, 'ref-labels.csv');
    writeFileSync(refCsv, `${header}\n2,x,,,-1.0,,,,,,,,,,,\n1,y,,,,,,1.0,,,,,,,,\n`);
    const hypCsv = join(dir, 'hyp-labels.csv');
    writeFileSync(hypCsv, `${header}\n1,y,,,,,,1,,,,,,,,\n2,x,1,,0,,,,,,,,,,,\n`);
    const { out } = await captureStdout(() => evaluateCommand.run(['--references', refs, '--predictions', preds, '--json', '--hyp-labels', hypCsv, '--ref-labels', refCsv]));
    const obj = JSON.parse(out.trim()) as Record<string, number>;
    // 5 obs: Edema tp 1, Cardiomegaly fn 1 -> micro 2/3, macro (1 + 0)/5; 14 obs: No Finding fp 1 -> micro 2/4
    assert.ok(Math.abs(obj['Micro-5'] - 2 / 3) < 1e-12);
    assert.ok(Math.abs(obj['Macro-5'] - 1 / 5) < 1e-12);
    assert.ok(Math.abs(obj['Micro-14'] - 1 / 2) < 1e-12);
  });
  it('deepmedix label --reports prints {id, labels} per line, unmentioned observations absent', async () => {
    const reps = file('cli-label.jsonl', [{ id: 'r1', text: 'No pneumothorax. Possible small left effusion.' }]);
    const { code, out } = await captureStdout(() => labelCommand.run(['--reports', reps]));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out.trim()), { id: 'r1', labels: { Pneumothorax: 0, 'Pleural Effusion': -1 } });
  });
});

describe('harness: records as benchmark items, headline numbers', () => {
  it('scores a record as the benchmark file would, and pools VQA by item count', () => {
    const rec = { id: 'a', studyId: 's', patientId: 'p', task: 'vqa', vqaSet: 'ext-vqa', questionType: 'presence', images: [], prompt: 'q', answer: 'yes', answerKind: 'short', boxes: [] } as unknown as InstructionRecord;
    assert.deepEqual(benchmarkItemOf(rec), { id: 'a', task: 'vqa', split: 'ext_vqa', answer: 'yes', answerKind: 'short', questionType: 'presence' });
    assert.equal(benchmarkItemOf({ ...rec, source: 'nih' } as InstructionRecord).source, 'nih');
    // VQA sets of 3 and 1 items at accuracy 1/3 and 1: pooled (1 + 1) / 4 = 0.5, not the mean of the sets (2/3).
    const vqa = { ext_vqa: { overall: 1 / 3, n: 3 }, cxr_vqa: { overall: 1, n: 1 } };
    const h = headline({ report: { mimic_findings: { Average: 0.2 } }, weightedAverage: { Average: 0.25 }, vqa } as unknown as Parameters<typeof headline>[0]);
    assert.equal(h.reportAverage, 0.25, 'the weighted average when there is one');
    assert.equal(h.vqaAccuracy, 0.5);
    assert.deepEqual(headline({ report: {}, weightedAverage: null, vqa: {} } as unknown as Parameters<typeof headline>[0]), { reportAverage: null, vqaAccuracy: null });
    // By image source, pooled over the sets: synthetic (2·0.5 + 1·1) / 3, nih 0 / 1.
    const bySource = {
      ext_vqa: { overall: 1 / 3, n: 3, bySource: { synthetic: { accuracy: 0.5, n: 2 }, nih: { accuracy: 0, n: 1 } } },
      cxr_vqa: { overall: 1, n: 1, bySource: { synthetic: { accuracy: 1, n: 1 } } },
    };
    const hs = vqaBySource({ report: {}, weightedAverage: null, vqa: bySource } as unknown as Parameters<typeof headline>[0])!;
    assert.deepEqual(Object.keys(hs), ['nih', 'synthetic']);
    assert.equal(hs.nih, 0);
    assert.ok(Math.abs(hs.synthetic - 2 / 3) < 1e-12);
    assert.equal(vqaBySource({ report: {}, weightedAverage: null, vqa: { ext_vqa: { overall: 1, n: 1 } } } as unknown as Parameters<typeof headline>[0]), null);
  });
});
