/**
 * Paper Fig. 2a–g: report generation in detail — output length distributions, every metric on the
 * weighted average, one metric across splits, and per-observation F1 (CheXpert labels).
 */
import { CHEXPERT_OBSERVATIONS } from '../data/types.js';
import { distributionBoxes, groupedBars, valueHeatmap, type SeriesTable } from './charts.js';
import { TABLE1_METRICS, reportSplitsOf, splitLabel, type MetricRow, type ReportTable } from './published.js';
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

/** Fig. 2b: Table 1's metrics for each model on the weighted average (or any one split's rows). */
export function weightedAverageFigure(rows: Record<string, MetricRow>, opts: { title?: string; metrics?: readonly string[] } = {}): FigureSpec {
  const metrics = opts.metrics ?? [...TABLE1_METRICS, 'Average'];
  const table: SeriesTable = {};
  for (const [model, row] of Object.entries(rows)) table[model] = Object.fromEntries(metrics.filter((m) => typeof row[m] === 'number').map((m) => [m, row[m]]));
  return groupedBars(table, { title: opts.title ?? 'Fig. 2b: report generation metrics, weighted average over the four splits', valueTitle: 'score', categoryOrder: metrics });
}

/** Fig. 2c–f: one metric for each model on each report split, as a heatmap. */
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
  return valueHeatmap(series, { title: title ?? `Fig. 2c: ${metric} per report split`, colOrder: cols.map(label), zRange: [0, zmax > 0 ? zmax : 1], digits: 3 });
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
