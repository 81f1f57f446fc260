/**
 * Every paper figure and table from whatever results exist: each figure is built only when its
 * inputs are present, so the same call works on the published numbers alone, on a smoke run, or on
 * a full run. Figures made elsewhere (the Report Arena's Fig. 2h–j) are passed in as specs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { atomicWrite, readJson } from '../util/fsx.js';
import { dataDistributionFigure, datasetSizesFigure, reportComparisonFigure, sftVsRlFigure, vqaComparisonFigure, type DatasetComposition } from './fig1.js';
import { lengthDistributionFigure, metricBySplitFigure, perObservationF1Figure, weightedAverageFigure } from './fig2.js';
import { perObservationFigure, vqaByQuestionTypeFigure } from './fig3.js';
import { weightedAverageRows, type PublishedResults, type ReportTable, type VqaTable } from './published.js';
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
  /** model -> observation -> F1 / recall of VQA answers. */
  vqaObservationF1?: Record<string, Partial<Record<string, number>>>;
  vqaObservationRecall?: Record<string, Partial<Record<string, number>>>;
  grpoLog?: LogRow[];
  /** Figures built elsewhere (arena matrices, ranking), exported as they are. */
  extra?: NamedFigure[];
}

/** Ours with the weighted-average split added when it is missing. */
function withWeightedAverage(t: ReportTable): ReportTable {
  return t.weighted_average ? t : { ...t, weighted_average: weightedAverageRows(t) };
}

/** The figure list for what exists. `published` adds the paper's rows beside ours. */
export function paperFigures(r: PaperResults, published: PublishedResults | null): NamedFigure[] {
  const figs: NamedFigure[] = [];
  const ours = r.report ? withWeightedAverage(r.report) : null;
  if (r.datasets?.length) figs.push({ name: 'fig1b-data-distribution', spec: dataDistributionFigure(r.datasets), height: 140 + 70 * r.datasets.length });
  const sizes = published?.trainingDataSizes;
  if (sizes && Object.keys(sizes).length) {
    const label: Record<string, string> = { stage1_instruction_samples: 'Stage 1: instruction SFT', stage2_cold_start_samples: 'Stage 2: cold-start reasoning', stage3_rl_samples: 'Stage 3: GRPO', xraybench_test_samples: 'XrayBench test' };
    const named = Object.fromEntries(Object.entries(sizes).map(([k, v]) => [label[k] ?? k, v]));
    figs.push({ name: 'fig1b-sizes-published', spec: datasetSizesFigure(named, 'Fig. 1b: samples per stage (published)'), height: 360 });
  }
  if (ours || published) {
    figs.push({ name: 'fig1c-report-comparison', spec: reportComparisonFigure(ours, { published: published?.table1 }), height: 620 });
  }
  const vqa = r.vqa ?? published?.vqa;
  if (vqa) figs.push({ name: r.vqa ? 'fig1d-vqa-comparison' : 'fig1d-vqa-comparison-published', spec: vqaComparisonFigure(vqa, r.vqa ? undefined : 'Fig. 1d: VQA average accuracy (published)') });
  const sftRl = ours ?? published?.table1;
  if (sftRl) figs.push({ name: ours ? 'fig1e-sft-vs-rl' : 'fig1e-sft-vs-rl-published', spec: sftVsRlFigure(sftRl, { vqa: r.vqa ?? (ours ? undefined : published?.vqa), title: ours ? undefined : 'Fig. 1e: SFT vs RL per split (published)' }), width: 1000 });
  if (r.reportTexts) figs.push({ name: 'fig2a-length-distribution', spec: lengthDistributionFigure(r.reportTexts) });
  const table = ours ?? published?.table1;
  if (table?.weighted_average) {
    const tag = ours ? '' : ' (published)';
    figs.push({ name: `fig2b-weighted-average${ours ? '' : '-published'}`, spec: weightedAverageFigure(table.weighted_average, { title: `Fig. 2b: report generation metrics, weighted average${tag}` }), width: 1200, height: 600 });
    figs.push({ name: `fig2c-average-by-split${ours ? '' : '-published'}`, spec: metricBySplitFigure(table, 'Average', `Fig. 2c: Table 1 "Average" per split${tag}`), height: 120 + 40 * Object.keys(table.weighted_average).length });
  }
  if (r.observationF1) figs.push({ name: 'fig2g-observation-f1', spec: perObservationF1Figure(r.observationF1), width: 1100, height: 200 + 40 * Object.keys(r.observationF1).length });
  if (r.vqaByQuestionType) figs.push({ name: 'fig3a-vqa-by-question-type', spec: vqaByQuestionTypeFigure(r.vqaByQuestionType), width: 1000 });
  if (r.vqaObservationF1) figs.push({ name: 'fig3b-vqa-observation-f1', spec: perObservationFigure(r.vqaObservationF1, 'F1', 'Fig. 3b: VQA F1 per observation'), height: 700 });
  if (r.vqaObservationRecall) figs.push({ name: 'fig3c-vqa-observation-recall', spec: perObservationFigure(r.vqaObservationRecall, 'recall', 'Fig. 3c: VQA recall per observation'), height: 700 });
  if (r.grpoLog?.length) figs.push({ name: 'grpo-training-curves', spec: grpoCurvesFigure(r.grpoLog), width: 1100, height: 700 });
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
export async function writePaperFigures(r: PaperResults, published: PublishedResults | null, outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  const figs = paperFigures(r, published);
  const files = await exportFigures(figs, outDir, opts);
  return [...files, ...writePaperTables(r, published, outDir)];
}
