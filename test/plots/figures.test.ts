import assert from 'node:assert/strict';
import { categoriesOf, groupedBars, valueHeatmap } from '../../src/plots/charts.js';
import { compositionByTask, dataDistributionFigure, datasetSizesFigure, sftVsRlFigure } from '../../src/plots/fig1.js';
import { reportMetricsFigure, splitPanels, wordCount } from '../../src/plots/fig2.js';
import { observationOrder, perObservationFigure } from '../../src/plots/fig3.js';
import { figureSpecsFromDir, paperFigures } from '../../src/plots/paper.js';
import { reportSplitsOf, splitLabel } from '../../src/plots/published.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpoCurvesFigure, movingAverage, numericKeys } from '../../src/plots/training.js';
import { findFiles, grpoCurveRows, resultsFromEvaluations } from '../../src/plots/results.js';
import { runPaperResults } from '../../src/job/steps/figures.js';
import { stepMarker } from '../../src/job/pipeline.js';
import { layoutAt } from '../../src/run-layout.js';
import { mkdirSync } from 'node:fs';

describe('plots: figure builders', () => {
  it('grouped bars: one trace per series, values aligned to the category order, gaps as null', () => {
    const spec = groupedBars({ A: { x: 1, y: 2 }, B: { y: 3, z: 4 } }, { title: 't', valueTitle: 'v', categoryOrder: ['z', 'y', 'x', 'w'] });
    assert.equal(spec.data.length, 2);
    assert.deepEqual(spec.data[0].x, ['z', 'y', 'x']);
    assert.deepEqual(spec.data[0].y, [null, 2, 1]);
    assert.deepEqual(spec.data[1].y, [4, 3, null]);
    assert.deepEqual(categoriesOf({ A: { b: 1 }, B: { a: 1, b: 2 } }), ['b', 'a']);
    assert.throws(() => groupedBars({}, { title: 'empty fig', valueTitle: '' }), /empty fig: nothing to plot/);
  });

  it('heatmap prints every cell and puts white text on dark (high) cells', () => {
    const spec = valueHeatmap({ A: { p: 0.9, q: 0.1 } }, { title: 'h' });
    assert.deepEqual(spec.data[0].z, [[0.9, 0.1]]);
    const ann = spec.layout.annotations as { text: string; font: { color: string } }[];
    assert.deepEqual(ann.map((a) => a.text), ['0.90', '0.10']);
    assert.equal(ann[0].font.color, '#ffffff');
  });

  it('data distribution shows shares that sum to 100% and sizes in the labels', () => {
    const spec = dataDistributionFigure([{ name: 'S1', counts: { a: 3, b: 1 } }]);
    const shares = spec.data.map((t) => (t.x as number[])[0]);
    assert.deepEqual(shares, [75, 25]);
    assert.deepEqual(spec.data[0].y, ['S1 (n=4)']);
  });

  it('composition counts records by task; the sizes figure spans whole decades from below the smallest', () => {
    assert.deepEqual(compositionByTask('S', [{ task: 'vqa' }, { task: 'vqa' }, { task: 'grounding' }]), { name: 'S', counts: { vqa: 2, grounding: 1 } });
    const spec = datasetSizesFigure({ a: 3900, b: 351500 });
    assert.deepEqual(spec.data[0].x, [3900, 351500]);
    const xaxis = spec.layout.xaxis as { type: string; range: number[] };
    assert.equal(xaxis.type, 'log');
    assert.equal(xaxis.range[0], 2);
    assert.ok(Math.abs(xaxis.range[1] - Math.log10(351500 * 3)) < 1e-12);
  });

  it('SFT vs RL picks the two models on each split present', () => {
    const spec = sftVsRlFigure({ mimic_findings: { S: { Average: 0.2 }, R: { Average: 0.3 } } }, { sft: 'S', rl: 'R', vqa: { ext_vqa: { S: 0.5, R: 0.6 } } });
    assert.deepEqual(spec.data[0].y, [0.2, 0.5]);
    assert.deepEqual(spec.data[1].y, [0.3, 0.6]);
  });

  it('moving average, word counts and log keys (hand-worked)', () => {
    assert.deepEqual(movingAverage([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
    assert.deepEqual(movingAverage([5], 10), [5]);
    assert.equal(wordCount('  a bb\n c  '), 3);
    assert.equal(wordCount(''), 0);
    assert.deepEqual(numericKeys([{ step: 0, reward: 1, note: 'x' }, { step: 1, kl: 0.1 }]), ['reward', 'kl']);
    const spec = grpoCurvesFigure([{ step: 0, reward: 1, kl: 0 }, { step: 1, reward: 2, kl: 1 }], { smooth: 2 });
    assert.equal(spec.data.length, 4);
    assert.deepEqual(spec.data[1].y, [1, 1.5]);
    assert.equal(spec.data[3].xaxis, 'x2');
    // A series on a few of the steps (the validation probe) is drawn as its points, unsmoothed: one trace.
    const rows = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, reward: i, ...(i % 5 === 4 ? { val_reward: i / 10 } : {}) }));
    const sparse = grpoCurvesFigure(rows, { smooth: 2 });
    assert.equal(sparse.data.length, 3);
    assert.deepEqual(sparse.data[2].y, [0.4, 0.9]);
    assert.equal(sparse.data[2].mode, 'lines+markers');
  });

  it('report splits: the paper\'s four in order, then others, weighted average last; missing SFT/RL models skip Fig. 1e', () => {
    assert.deepEqual(reportSplitsOf({ weighted_average: {}, 'report-findings': {}, openi_findings: {} }, { mimic_findings: {} }), ['mimic_findings', 'openi_findings', 'report-findings', 'weighted_average']);
    assert.equal(splitLabel('openi_impression'), 'Open-I impression');
    assert.equal(splitLabel('report-findings'), 'report-findings');
    const skipped: string[] = [];
    const figs = paperFigures({ report: { 'report-findings': { mini: { Average: 0.2 } } } }, null, (name, why) => skipped.push(`${name}: ${why}`));
    // one split of our own naming: its metrics panel, named as no paper panel; no weighted average, no overview of one split
    assert.deepEqual(figs.map((f) => f.name), ['fig1c-report-comparison', 'fig2cf-report-findings']);
    assert.deepEqual((figs[0].spec.data[0] as { y: string[] }).y, ['mini']);
    assert.match(skipped.join('\n'), /fig1e-sft-vs-rl: our results lack the SFT model 'DeepMedix'/);
    const withPair = paperFigures({ report: { 'report-findings': { a: { Average: 0.2 }, b: { Average: 0.3 } } }, sftModel: 'a', rlModel: 'b' }, null);
    assert.ok(withPair.some((f) => f.name === 'fig1e-sft-vs-rl'));
  });

  it('Fig. 2c–f: one panel per report split, lettered by the paper\'s split order; other splits named apart', () => {
    const panels = splitPanels({ weighted_average: { m: {} }, 'report-findings': { m: {} }, openi_findings: { m: {} }, mimic_impression: { m: {} }, openi_impression: {} });
    assert.deepEqual(
      panels.map((p) => [p.name, p.split]),
      [
        ['fig2d-mimic-impression', 'mimic_impression'],
        ['fig2e-openi-findings', 'openi_findings'],
        ['fig2cf-report-findings', 'report-findings'],
      ],
    );
    assert.equal(panels[1].title, 'Fig. 2e: report generation metrics, Open-I findings');
    // metrics in Table 1's order whatever the row's key order; a metric a model lacks is a gap
    const spec = reportMetricsFigure({ A: { Average: 0.2, 'BLEU-4': 0.05, 'BLEU-1': 0.3 }, B: { 'BLEU-1': 0.1 } });
    assert.deepEqual(spec.data[0].x, ['BLEU-1', 'BLEU-4', 'Average']);
    assert.deepEqual(spec.data[0].y, [0.3, 0.05, 0.2]);
    assert.deepEqual(spec.data[1].y, [0.1, null, null]);
  });

  it('paperFigures emits Fig. 2b–f from the splits present (weighted average derived) and skips an empty panel with its reason', () => {
    const skipped: string[] = [];
    const report = { mimic_findings: { m: { 'BLEU-1': 0.5, Average: 0.2 } }, openi_impression: { m: { 'BLEU-1': 0.1, Average: 0.4 } }, mimic_impression: { m: { n: 3 } } };
    const figs = paperFigures({ report }, null, (name, why) => skipped.push(`${name}: ${why}`));
    const names = figs.map((f) => f.name);
    assert.deepEqual(names.filter((n) => n.startsWith('fig2')), ['fig2b-weighted-average', 'fig2c-mimic-findings', 'fig2f-openi-impression', 'fig2c-f-average-by-split']);
    // mimic_impression has no metric column: that panel alone is skipped, saying why
    assert.match(skipped.join('\n'), /fig2d-mimic-impression: Fig\. 2d: .*nothing to plot/);
    const panel = (name: string) => figs.find((f) => f.name === name)!.spec.data[0] as { x: string[]; y: number[] };
    assert.deepEqual(panel('fig2f-openi-impression').y, [0.1, 0.4]);
    // weighted average over the two splits with a value, weights 0.419 and 0.085 renormalised:
    // Average (0.419·0.2 + 0.085·0.4) / 0.504 = 0.1178 / 0.504; BLEU-1 (0.2095 + 0.0085) / 0.504 = 0.218 / 0.504
    const wa = panel('fig2b-weighted-average');
    assert.deepEqual(wa.x, ['BLEU-1', 'Average']);
    assert.ok(Math.abs(wa.y[0] - 0.218 / 0.504) < 1e-12 && Math.abs(wa.y[1] - 0.1178 / 0.504) < 1e-12);
  });

  it('Fig. 3b–d share one row order: CheXpert\'s (any case) first, then first seen', () => {
    assert.deepEqual(observationOrder({ m: { nodule: 1, edema: 0.5 } }, undefined, { m: { 'left lung': 1, Cardiomegaly: 0 } }), ['Cardiomegaly', 'edema', 'nodule', 'left lung']);
    const spec = perObservationFigure({ a: { edema: 0.5 }, b: { nodule: 0, edema: 1 } }, 'precision', 't', ['nodule', 'edema', 'mass']);
    assert.deepEqual(spec.data[0].y, ['nodule', 'edema']);
    assert.deepEqual(spec.data[0].x, [null, 0.5]);
    assert.deepEqual(spec.data[1].x, [0, 1]);
    assert.deepEqual((spec.data[1] as { text: string[] }).text, ['0.00', '1.00']);
  });

  it('paperFigures emits Fig. 3d when precision exists, in the order of 3b, and skips a panel with nothing to draw', () => {
    const f1 = { m: { atelectasis: 0.5, nodule: 0, edema: 1 } };
    const precision = { m: { edema: 1, atelectasis: 1 } };
    const figs = paperFigures({ vqaObservationF1: f1, vqaObservationPrecision: precision }, null);
    assert.deepEqual(figs.map((f) => f.name), ['fig3b-vqa-observation-f1', 'fig3d-vqa-observation-precision']);
    assert.deepEqual(figs[0].spec.data[0].y, ['edema', 'atelectasis', 'nodule']);
    assert.deepEqual(figs[1].spec.data[0].y, ['edema', 'atelectasis']);
    const skipped: string[] = [];
    assert.deepEqual(paperFigures({ vqaObservationPrecision: { m: {} } }, null, (name, why) => skipped.push(`${name}: ${why}`)).map((f) => f.name), []);
    assert.match(skipped[0], /^fig3d-vqa-observation-precision: .*nothing to plot/);
  });

  it('paper figure list includes only what has inputs; extra specs pass through', () => {
    assert.deepEqual(paperFigures({}, null).map((f) => f.name), []);
    const names = paperFigures({ vqa: { ext_vqa: { m: 0.5 } }, extra: [{ name: 'fig2h-arena', spec: { data: [], layout: {} } }] }, null).map((f) => f.name);
    assert.deepEqual(names, ['fig1d-vqa-comparison', 'fig2h-arena']);
  });

  it('reads saved plotly specs from a folder, skipping other JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-specs-'));
    try {
      writeFileSync(join(dir, 'fig2i-win-rates.json'), JSON.stringify({ data: [{ type: 'heatmap', z: [[0.5]] }], layout: { title: { text: 'w' } } }));
      writeFileSync(join(dir, 'ranking.json'), JSON.stringify({ scores: [1, 2] }));
      const figs = figureSpecsFromDir(dir);
      assert.deepEqual(figs.map((f) => f.name), ['fig2i-win-rates']);
      assert.deepEqual(figureSpecsFromDir(join(dir, 'absent')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plots/results: reading stage outputs', () => {
  it('merges evaluate results per model; pools VQA question types weighted by item count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-results-'));
    try {
      writeFileSync(
        join(dir, 'a.json'),
        JSON.stringify({
          model: 'mini-R1',
          report: { mimic_findings: { 'BLEU-1': 0.3, Average: 0.2 } },
          weightedAverage: { 'BLEU-1': 0.3, Average: 0.2 },
          vqa: { ext_vqa: { overall: 0.5, byType: { presence: { accuracy: 1, n: 1 } } }, cxr_vqa: { overall: 0.25, byType: { presence: { accuracy: 0, n: 3 }, view: { accuracy: 0.5, n: 2 } } } },
        }),
      );
      writeFileSync(join(dir, 'b.json'), JSON.stringify({ model: 'mini', report: { mimic_findings: { Average: 0.1 } }, vqa: {} }));
      const r = resultsFromEvaluations([join(dir, 'a.json'), join(dir, 'b.json')]);
      assert.deepEqual(r.report, { mimic_findings: { 'mini-R1': { 'BLEU-1': 0.3, Average: 0.2 }, mini: { Average: 0.1 } }, weighted_average: { 'mini-R1': { 'BLEU-1': 0.3, Average: 0.2 } } });
      assert.deepEqual(r.vqa, { ext_vqa: { 'mini-R1': 0.5 }, cxr_vqa: { 'mini-R1': 0.25 } });
      assert.deepEqual(r.vqaByQuestionType, { 'mini-R1': { presence: 0.25, view: 0.5 } });
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ report: {} }));
      assert.throws(() => resultsFromEvaluations([join(dir, 'c.json')]), /c\.json: field 'model'/);
      assert.deepEqual(findFiles(dir, 'b.json'), [join(dir, 'b.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a main-job run directory gives the figure inputs; a run without an evaluate record gives null', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-run-'));
    try {
      assert.equal(runPaperResults(dir), null);
      const evalDir = layoutAt(dir).step('evaluate');
      mkdirSync(evalDir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ seed: 1, paths: { data: 'data', figures: join(dir, 'figs') }, benchmark: {} }));
      writeFileSync(join(evalDir, 'results-0.json'), JSON.stringify({ model: 'mini', report: { mimic_findings: { Average: 0.25 } } }));
      writeFileSync(stepMarker(evalDir), JSON.stringify({ summary: { models: { mini: { file: 'results-0.json', predictions: join(dir, 'absent.jsonl') } } } }));
      const notes: string[] = [];
      const r = runPaperResults(dir, (name) => notes.push(name))!;
      assert.deepEqual(r.report, { mimic_findings: { mini: { Average: 0.25 } } });
      // no cohort benchmark in this run: the panels that need predictions are noted, not made up
      assert.deepEqual(notes, ['fig2a/fig2g', 'fig3b/fig3c/fig3d']);
      assert.equal(r.vqaObservationPrecision, undefined);
      writeFileSync(stepMarker(evalDir), JSON.stringify({ summary: {} }));
      assert.throws(() => runPaperResults(dir), /step\.json: no 'summary\.models'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GRPO log rows become named curves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-grpo-'));
    try {
      const row = (step: number) => ({ step, reward: { total: { mean: step, std: 0 }, answer: { mean: 1, std: 0 } }, kl: null, fracRewardZeroStd: 0.5, advantageHistogram: { edges: [0, 1], counts: [1] } });
      writeFileSync(join(dir, 'steps.jsonl'), [row(1), row(2)].map((r) => JSON.stringify(r)).join('\n') + '\n');
      assert.deepEqual(grpoCurveRows(join(dir, 'steps.jsonl')), [
        { step: 1, reward: 1, r_ans: 1, frac_reward_zero_std: 0.5 },
        { step: 2, reward: 2, r_ans: 1, frac_reward_zero_std: 0.5 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
