/**
 * Paper Fig. 2a–g: report generation in detail — output length distributions, every Table 1 metric
 * on the weighted average (2b) and on each of the four report splits (2c–f), one metric across
 * splits as an overview, and per-observation F1 (CheXpert labels, 2g).
 */
import { CHEXPERT_OBSERVATIONS } from '../data/types.js';
import { distributionBoxes, groupedBars, valueHeatmap, type SeriesTable } from './charts.js';
import { REPORT_SPLITS, TABLE1_METRICS, reportSplitsOf, splitLabel, type MetricRow, type ReportTable } from './published.js';
import type { FigureSpec } from './spec.js';

/** Whitespace-token length of a text (the unit of the length figures). */
export function wordCount(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/**
 * Fig. 2a: distribution of report lengths (words) per model, ground truth included as its own
 * series when given.
 */
export function lengthDistributionFigure(texts: Record<string, string[]>, title = 'Fig. 2a: report length distribution'): FigureSpec {
  const lengths: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(texts)) lengths[k] = v.map(wordCount);
  return distributionBoxes(lengths, { title, valueTitle: 'length (words)', violin: true });
}

/**
 * Fig. 2b–f: Table 1's metrics for each model on one split's rows — the weighted average (2b) or one
 * report split (2c–f).
 */
export function reportMetricsFigure(rows: Record<string, MetricRow>, opts: { title?: string; metrics?: readonly string[] } = {}): FigureSpec {
  const metrics = opts.metrics ?? [...TABLE1_METRICS, 'Average'];
  const table: SeriesTable = {};
  for (const [model, row] of Object.entries(rows)) table[model] = Object.fromEntries(metrics.filter((m) => typeof row[m] === 'number').map((m) => [m, row[m]]));
  const spec = groupedBars(table, { title: opts.title ?? 'Fig. 2b: report generation metrics, weighted average over the four splits', valueTitle: 'score', categoryOrder: metrics });
  // twelve metric names side by side run into each other unless slanted
  (spec.layout.xaxis as Record<string, unknown>).tickangle = -30;
  return spec;
}

/**
 * The panel letter of each of the paper's report splits in Fig. 2 (c–f, in Table 1's split order).
 * Inferred from the figure's layout (2b the weighted average, then one panel per split); the
 * caption text was not available to check it against.
 */
export const FIG2_SPLIT_PANELS: Record<string, string> = Object.fromEntries(REPORT_SPLITS.map((s, i) => [s.id, 'cdef'[i]]));

/**
 * One Fig. 2c–f panel per report split of a table (weighted average excluded), in display order:
 * the paper's splits get their panel letter (`fig2c-mimic-findings`); other splits (e.g. the
 * cohort's `report-findings`) get `fig2cf-<split>` and say that they are no paper panel.
 */
export function splitPanels(table: ReportTable): { name: string; split: string; title: string }[] {
  return reportSplitsOf(table)
    .filter((split) => split !== 'weighted_average' && Object.keys(table[split] ?? {}).length > 0)
    .map((split) => {
      const letter = FIG2_SPLIT_PANELS[split];
      const slug = split.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
      return letter
        ? { name: `fig2${letter}-${slug}`, split, title: `Fig. 2${letter}: report generation metrics, ${splitLabel(split)}` }
        : { name: `fig2cf-${slug}`, split, title: `Report generation metrics, split '${split}' (Fig. 2c–f style; not one of the paper's splits)` };
    });
}

/** Overview of Fig. 2c–f: one metric for each model on each report split, as a heatmap. */
export function metricBySplitFigure(table: ReportTable, metric = 'Average', title?: string): FigureSpec {
  const series: SeriesTable = {};
  const cols = reportSplitsOf(table);
  const label = splitLabel;
  for (const split of cols)
    for (const [model, row] of Object.entries(table[split] ?? {})) {
      if (typeof row[metric] !== 'number') continue;
      (series[model] ??= {})[label(split)] = row[metric];
    }
  const values = Object.values(series).flatMap((r) => Object.values(r));
  const zmax = values.length ? Math.max(...values) : 1;
  return valueHeatmap(series, { title: title ?? `Fig. 2c–f overview: ${metric} per report split`, colOrder: cols.map(label), zRange: [0, zmax > 0 ? zmax : 1], digits: 3 });
}

/**
 * Fig. 2g: F1 per CheXpert observation for each model (from the labeler run on generated and true
 * reports), as a heatmap in the labeler's observation order.
 */
export function perObservationF1Figure(f1: Record<string, Partial<Record<string, number>>>, title = 'Fig. 2g: F1 per CheXpert observation'): FigureSpec {
  const table: SeriesTable = {};
  for (const [model, row] of Object.entries(f1)) table[model] = Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
  return valueHeatmap(table, { title, colOrder: CHEXPERT_OBSERVATIONS, colTitle: 'observation', zRange: [0, 1] });
}
