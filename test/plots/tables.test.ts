import assert from 'node:assert/strict';
import { describeWithShared } from '../helpers.js';
import { loadPublished, table1Average, weightedAverageRows, type ReportTable } from '../../src/plots/published.js';
import { table1Doc, tableToCsv, tableToHtml, tableToMarkdown, vqaTableDoc } from '../../src/plots/tables.js';

const METRICS = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'F1-RadGraph', 'Macro-14', 'Micro-14', 'Macro-5', 'Micro-5'];

/** A row whose eleven metrics are 0.1, 0.2, …, 1.1 scaled by k: its Average is 0.6·k. */
function row(k: number): Record<string, number> {
  return Object.fromEntries(METRICS.map((m, i) => [m, k * 0.1 * (i + 1)]));
}

describe('plots/tables: Table 1 and the VQA table', () => {
  it('Table 1 "Average" is the mean of the eleven metric columns (hand-worked: 0.6·k)', () => {
    assert.ok(Math.abs(table1Average(row(1)) - 0.6) < 1e-12);
    assert.ok(Math.abs(table1Average(row(0.5)) - 0.3) < 1e-12);
    assert.ok(Number.isNaN(table1Average({})));
  });

  it('weighted average weights the splits by size and renormalises over those present', () => {
    const t: ReportTable = { mimic_findings: { A: row(1) }, mimic_impression: { A: row(0) }, openi_findings: { A: row(1) }, openi_impression: { A: row(0) } };
    const wa = weightedAverageRows(t);
    // BLEU-1 = 0.1·(0.419 + 0.072) / 1
    assert.ok(Math.abs(wa.A['BLEU-1'] - 0.1 * 0.491) < 1e-12);
    const only = weightedAverageRows({ mimic_findings: { B: row(1) }, openi_findings: { B: row(0) } });
    assert.ok(Math.abs(only.B['BLEU-1'] - (0.1 * 0.419) / (0.419 + 0.072)) < 1e-12);
  });

  it('places our rows and the paper rows per split, fills our missing Average, bolds the best per source', () => {
    const ours: ReportTable = { mimic_findings: { mini: row(0.5), 'mini-R1': row(1) } };
    const paper: ReportTable = { mimic_findings: { 'DeepMedix-R1': { ...row(2), Average: 1.2 } } };
    const doc = table1Doc(ours, paper, ['mimic_findings', 'openi_findings']);
    assert.equal(doc.sections.length, 1);
    assert.deepEqual(doc.sections[0].rows.map((r) => `${r.source}:${r.model}`), ['ours:mini', 'ours:mini-R1', 'paper:DeepMedix-R1']);
    assert.ok(Math.abs(doc.sections[0].rows[1].values[11]! - 0.6) < 1e-12);
    const md = tableToMarkdown(doc, 2);
    assert.match(md, /\| mini-R1 \| this workbench \| \*\*0\.10\*\* \|/);
    assert.match(md, /\| mini \| this workbench \| 0\.05 \|/);
    assert.match(md, /\| DeepMedix-R1 \| paper \| \*\*0\.20\*\* \|/);
    const csv = tableToCsv(doc).trim().split('\n');
    assert.equal(csv.length, 4);
    assert.equal(csv[0], ['split', 'source', 'model', ...METRICS, 'Average'].join(','));
    assert.equal(csv[3].split(',').at(-1), '1.2');
    const html = tableToHtml(doc);
    assert.match(html, /<tr class="paper"><td class="model">DeepMedix-R1<\/td>/);
    assert.match(html, /MIMIC-CXR findings/);
  });

  it('VQA table lists each model once with both sets, escaping nothing it should not', () => {
    const doc = vqaTableDoc({ ext_vqa: { 'a|b': 0.5 }, cxr_vqa: { 'a|b': 0.25 } }, null);
    assert.deepEqual(doc.sections[0].rows[0].values, [0.5, 0.25]);
    assert.match(tableToMarkdown(doc), /\| a\\\|b \| this workbench \| \*\*0\.5000\*\* \| \*\*0\.2500\*\* \|/);
    assert.equal(vqaTableDoc(null, null).sections.length, 0);
  });
});

describeWithShared('plots/published: the paper reference file', ['reference', 'deepmedix-r1-paper.json'], (path) => {
  const p = loadPublished(path);
  it('each published "Average" is the mean of its eleven columns (to the printed 4 decimals)', () => {
    let n = 0;
    for (const split of Object.values(p.table1))
      for (const r of Object.values(split)) {
        assert.ok(Math.abs(table1Average(r) - r.Average) < 1e-4);
        n++;
      }
    assert.equal(n, 50);
  });
  it('the weighted-average rows are reproduced from the four splits with the size weights (within 3e-4)', () => {
    const wa = weightedAverageRows(p.table1);
    for (const [model, r] of Object.entries(p.table1.weighted_average)) for (const [k, v] of Object.entries(r)) assert.ok(Math.abs(wa[model][k] - v) < 3e-4, `${model} ${k}`);
  });
  it('VQA keys are normalised and Table 1 of the published file renders', () => {
    assert.equal(p.vqa.ext_vqa['DeepMedix-R1'], 0.7243);
    const md = tableToMarkdown(table1Doc(null, p.table1));
    assert.match(md, /\| DeepMedix-R1 \| paper \| \*\*0\.3402\*\* \|/);
  });
});
