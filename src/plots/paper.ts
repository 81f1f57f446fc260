/**
 * Every paper figure and table from whatever results exist: each figure is built only when its
 * inputs are present, so the same call works on the published numbers alone, on a smoke run, or on
 * a full run. Figures made elsewhere (the Report Arena's Fig. 2h–j) are passed in as specs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { atomicWrite, readJson } from '../util/fsx.js';
import { dataDistributionFigure, datasetSizesFigure, reportComparisonFigure, sftVsRlFigure, vqaComparisonFigure, type DatasetComposition } from './fig1.js';
import { lengthDistributionFigure, metricBySplitFigure, perObservationF1Figure, reportMetricsFigure, splitPanels } from './fig2.js';
import { observationOrder, perObservationFigure, vqaByQuestionTypeFigure } from './fig3.js';
import { reportSplitsOf, weightedAverageRows, type PublishedResults, type ReportTable, type VqaTable } from './published.js';
import { exportFigures, type ExportOptions } from './render.js';
import type { NamedFigure } from './spec.js';
import { table1Doc, tableToCsv, tableToHtml, tableToMarkdown, vqaTableDoc } from './tables.js';
import { grpoCurvesFigure, type LogRow } from './training.js';

/** Our results, each optional. */
export interface PaperResults {
  /** Table 1-shaped results (split -> model -> metrics); the weighted average is derived when absent. */
  report?: ReportTable;
  vqa?: VqaTable;
  datasets?: DatasetComposition[];
  /** model (or "ground truth") -> generated report texts, for the length distribution. */
  reportTexts?: Record<string, string[]>;
  /** model -> observation -> F1 (report labels). */
  observationF1?: Record<string, Partial<Record<string, number>>>;
  /** model -> question type -> accuracy. */
  vqaByQuestionType?: Record<string, Record<string, number>>;
  /** model -> observation -> F1 / recall / precision of VQA answers (Fig. 3b / 3c / 3d). */
  vqaObservationF1?: Record<string, Partial<Record<string, number>>>;
  vqaObservationRecall?: Record<string, Partial<Record<string, number>>>;
  vqaObservationPrecision?: Record<string, Partial<Record<string, number>>>;
  grpoLog?: LogRow[];
  /** Figures built elsewhere (arena matrices, ranking), exported as they are. */
  extra?: NamedFigure[];
  /** Names of the SFT and RL models in our results (Fig. 1e; default DeepMedix / DeepMedix-R1). */
  sftModel?: string;
  rlModel?: string;
}

/**
 * Ours with the weighted-average split added when it is missing and can be derived (it needs the
 * paper's report splits; other split names have no size weights, so none is made up for them).
 */
function withWeightedAverage(t: ReportTable): ReportTable {
  if (t.weighted_average && Object.keys(t.weighted_average).length) return t;
  const wa = weightedAverageRows(t);
  return Object.keys(wa).length ? { ...t, weighted_average: wa } : t;
}

/** The figure list for what exists. `published` adds the paper's rows beside ours. */
export function paperFigures(r: PaperResults, published: PublishedResults | null, onSkip: (name: string, why: string) => void = () => {}): NamedFigure[] {
  const figs: NamedFigure[] = [];
  /** Build one figure; a builder that fails (e.g. no model of that name) skips only that figure. */
  const add = (name: string, build: () => Omit<NamedFigure, 'name'>) => {
    try {
      figs.push({ name, ...build() });
    } catch (e) {
      onSkip(name, (e as Error).message);
    }
  };
  const ours = r.report ? withWeightedAverage(r.report) : null;
  const sft = r.sftModel ?? 'DeepMedix';
  const rl = r.rlModel ?? 'DeepMedix-R1';
  if (r.datasets?.length) add('fig1b-data-distribution', () => ({ spec: dataDistributionFigure(r.datasets!), height: 140 + 70 * r.datasets!.length }));
  const sizes = published?.trainingDataSizes;
  if (sizes && Object.keys(sizes).length) {
    const label: Record<string, string> = { stage1_instruction_samples: 'Stage 1: instruction SFT', stage2_cold_start_samples: 'Stage 2: cold-start reasoning', stage3_rl_samples: 'Stage 3: GRPO', xraybench_test_samples: 'XrayBench test' };
    const named = Object.fromEntries(Object.entries(sizes).map(([k, v]) => [label[k] ?? k, v]));
    add('fig1b-sizes-published', () => ({ spec: datasetSizesFigure(named, 'Fig. 1b: samples per stage (published)'), height: 360 }));
  }
  // Fig. 1c compares on the weighted average; results without one (no paper-named splits) use their first split
  const compareSplit = !ours || ours.weighted_average ? 'weighted_average' : reportSplitsOf(ours)[0];
  if (ours || published) add('fig1c-report-comparison', () => ({ spec: reportComparisonFigure(ours, { split: compareSplit, published: published?.table1 }), height: 620 }));
  if (r.vqa) add('fig1d-vqa-comparison', () => ({ spec: vqaComparisonFigure(r.vqa!) }));
  if (published?.vqa) add('fig1d-vqa-comparison-published', () => ({ spec: vqaComparisonFigure(published.vqa, 'Fig. 1d: VQA average accuracy (published)') }));
  const hasPair = (t: ReportTable) => Object.values(t).some((rows) => sft in rows) && Object.values(t).some((rows) => rl in rows);
  if (ours && hasPair(ours)) add('fig1e-sft-vs-rl', () => ({ spec: sftVsRlFigure(ours, { sft, rl, vqa: r.vqa }), width: 1000 }));
  else if (ours) onSkip('fig1e-sft-vs-rl', `our results lack the SFT model '${sft}' or the RL model '${rl}' (set sftModel / rlModel)`);
  if (published) add('fig1e-sft-vs-rl-published', () => ({ spec: sftVsRlFigure(published.table1, { vqa: published.vqa, title: 'Fig. 1e: SFT vs RL per split (published)' }), width: 1000 }));
  if (r.reportTexts) add('fig2a-length-distribution', () => ({ spec: lengthDistributionFigure(r.reportTexts!) }));
  for (const [table, tag] of [[ours, ''], [published?.table1 ?? null, '-published']] as const) {
    if (!table) continue;
    const t = tag ? ' (published)' : '';
    if (table.weighted_average) add(`fig2b-weighted-average${tag}`, () => ({ spec: reportMetricsFigure(table.weighted_average, { title: `Fig. 2b: report generation metrics, weighted average${t}` }), width: 1200, height: 600 }));
    const panels = splitPanels(table);
    for (const p of panels) add(`${p.name}${tag}`, () => ({ spec: reportMetricsFigure(table[p.split], { title: `${p.title}${t}` }), width: 1200, height: 600 }));
    const models = new Set(Object.values(table).flatMap((rows) => Object.keys(rows)));
    if (panels.length > 1) add(`fig2c-f-average-by-split${tag}`, () => ({ spec: metricBySplitFigure(table, 'Average', `Fig. 2c–f overview: Table 1 "Average" per split${t}`), height: 160 + 40 * models.size }));
  }
  if (r.observationF1) add('fig2g-observation-f1', () => ({ spec: perObservationF1Figure(r.observationF1!), width: 1100, height: 200 + 40 * Object.keys(r.observationF1!).length }));
  if (r.vqaByQuestionType) add('fig3a-vqa-by-question-type', () => ({ spec: vqaByQuestionTypeFigure(r.vqaByQuestionType!), width: 1000 }));
  const obsOrder = observationOrder(r.vqaObservationF1, r.vqaObservationRecall, r.vqaObservationPrecision);
  const obsPanels = [
    ['fig3b-vqa-observation-f1', r.vqaObservationF1, 'F1', 'Fig. 3b: VQA F1 per observation'],
    ['fig3c-vqa-observation-recall', r.vqaObservationRecall, 'recall', 'Fig. 3c: VQA recall per observation'],
    ['fig3d-vqa-observation-precision', r.vqaObservationPrecision, 'precision', 'Fig. 3d: VQA precision per observation (no bar: the model never gave that answer)'],
  ] as const;
  for (const [name, scores, measure, title] of obsPanels) {
    if (!scores) continue;
    const rows = obsOrder.filter((o) => Object.values(scores).some((row) => typeof row[o] === 'number')).length;
    add(name, () => ({ spec: perObservationFigure(scores, measure, title, obsOrder), width: 1100, height: 200 + 14 * Object.keys(scores).length * rows }));
  }
  if (r.grpoLog?.length) add('grpo-training-curves', () => ({ spec: grpoCurvesFigure(r.grpoLog!), width: 1100, height: 700 }));
  for (const f of r.extra ?? []) figs.push(f);
  return figs;
}

/** Is this JSON a plotly spec ({data: [...], layout: {...}})? */
export function isFigureSpec(v: unknown): v is NamedFigure['spec'] {
  const o = v as { data?: unknown; layout?: unknown } | null;
  return !!o && typeof o === 'object' && Array.isArray(o.data) && !!o.layout && typeof o.layout === 'object';
}

/**
 * Figure specs saved as JSON by other stages (e.g. `deepmedix arena` writes fig2h-*.json, fig2i-*.json,
 * arena-ranking.json): every *.json in dir that is a plotly spec, named by its file stem. Other JSON
 * files (ranking.json, …) are skipped.
 */
export function figureSpecsFromDir(dir: string): NamedFigure[] {
  if (!existsSync(dir)) return [];
  const out: NamedFigure[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const v = readJson<unknown>(join(dir, f));
    if (isFigureSpec(v)) out.push({ name: basename(f, '.json'), spec: v });
  }
  return out;
}

/** Write Table 1 and the VQA table as .md, .html and .csv; returns the paths written. */
export function writePaperTables(r: PaperResults, published: PublishedResults | null, outDir: string): string[] {
  const written: string[] = [];
  const docs = [
    { stem: 'table1-report-generation', doc: table1Doc(r.report ? withWeightedAverage(r.report) : null, published?.table1 ?? null) },
    { stem: 'table-vqa', doc: vqaTableDoc(r.vqa ?? null, published?.vqa ?? null) },
  ];
  for (const { stem, doc } of docs) {
    if (!doc.sections.length) continue;
    for (const [ext, text] of [['md', tableToMarkdown(doc)], ['html', tableToHtml(doc)], ['csv', tableToCsv(doc)]] as const) {
      const p = join(outDir, `${stem}.${ext}`);
      atomicWrite(p, text);
      written.push(p);
    }
  }
  return written;
}

/** Build, export (PNG/SVG/HTML through Chromium) and tabulate everything; returns the paths. */
export async function writePaperFigures(
  r: PaperResults,
  published: PublishedResults | null,
  outDir: string,
  opts: ExportOptions = {},
  onSkip: (name: string, why: string) => void = (name, why) => console.warn(`figure ${name} skipped: ${why}`),
): Promise<string[]> {
  const figs = paperFigures(r, published, onSkip);
  const files = await exportFigures(figs, outDir, opts);
  return [...files, ...writePaperTables(r, published, outDir)];
}
