import assert from 'node:assert/strict';
import * as dfd from 'danfojs-node';
import { filterFrame, frame, frameHtml, frameRows, matrixFrame, table1Frame, vqaFrame } from '../../src/plots/frames.js';
import type { EvaluationResult } from '../../src/eval/harness.js';

const result = (bleu: number): EvaluationResult => ({
  report: { mimic_findings: { 'BLEU-1': bleu, Average: bleu / 2, n: 3 }, openi_findings: { 'BLEU-1': bleu + 0.1, Average: bleu, n: 1 } },
  weightedAverage: { 'BLEU-1': bleu + 0.025, Average: bleu * 0.625, n: 4 },
  vqa: { ext_vqa: { overall: 0.5, meanOverTypes: 0.5, n: 2, byType: { presence: { accuracy: 1, n: 1 }, view: { accuracy: 0, n: 1 } } } },
  counts: { benchmark: 6, predictions: 6, matched: 6, missing: 0, extra: 0, notScored: 0 },
} as unknown as EvaluationResult);

describe('tables as DataFrames', () => {
  it('Table 1 has a row per model and split plus the weighted average, and sorts and filters as a DataFrame', () => {
    const df = table1Frame({ a: result(0.2), b: result(0.4) });
    assert.deepEqual(df.shape, [6, 5]);
    assert.deepEqual(df.columns, ['model', 'split', 'BLEU-1', 'Average', 'n']);
    const top = frameRows(df.sortValues('BLEU-1', { ascending: false }))[0];
    assert.deepEqual([top.model, top.split], ['b', 'openi_findings']);
    const wa = frameRows(df.query(df['split'].eq('weighted average')));
    assert.deepEqual(wa.map((r) => r.model), ['a', 'b']);
    assert.match(dfd.toCSV(df) as string, /^model,split,BLEU-1,Average,n\n/);
  });

  it('the VQA table has an "all" row and one per question type', () => {
    const rows = frameRows(vqaFrame({ a: result(0.2) }));
    assert.deepEqual(rows.map((r) => [r.questionType, r.accuracy, r.n]), [['all', 0.5, 2], ['presence', 1, 1], ['view', 0, 1]]);
  });

  it('fills missing cells with null, renders HTML with escaped text and rounded numbers', () => {
    const df = frame([{ x: 'a<b', y: 1 / 3 }, { x: 'c' }]);
    assert.deepEqual(frameRows(df), [{ x: 'a<b', y: 1 / 3 }, { x: 'c', y: null }]);
    const html = frameHtml(df, { digits: 2, caption: 'T' });
    assert.match(html, /<caption>T<\/caption>/);
    assert.match(html, /a&lt;b/);
    assert.match(html, />0\.33</);
    assert.throws(() => frame([]), /no rows/);
    const described = frameHtml(frame([{ v: 1 }, { v: 3 }]).describe());
    assert.match(described, /<th>mean<\/th><td style="text-align:right">2<\/td>/, 'a named index is shown');
  });

  it('filter table and matrices', () => {
    const f = frameRows(filterFrame({ total: 3, kept: 2, dropped: 1, rows: [{ rule: 'format', failed: 1, dropped: 1 }, { rule: 'box-iou', failed: 2, dropped: 0 }] }));
    assert.deepEqual(f, [{ rule: 'format', failed: 1, dropped: 1 }, { rule: 'box-iou', failed: 2, dropped: 0 }]);
    const m = frameRows(matrixFrame(['a', 'b'], [[null, 0.75], [0.25, null]]));
    assert.deepEqual(m, [{ model: 'a', a: null, b: 0.75 }, { model: 'b', a: 0.25, b: null }]);
  });
});
