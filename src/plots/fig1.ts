/**
 * Paper Fig. 1b–e: the data distribution over the three training stages and the test set, and the
 * headline comparisons (report generation, VQA, SFT vs RL per split).
 */
import { groupedBars, type SeriesTable } from './charts.js';
import { REPORT_SPLITS, VQA_SPLITS, reportSplitsOf, splitLabel, type ReportTable, type VqaTable } from './published.js';
import { axis, baseLayout, requireNonEmpty, seriesColor, type FigureSpec } from './spec.js';

/** One dataset (a stage's training set or the test set) and its sample counts by category. */
export interface DatasetComposition {
  /** e.g. "Stage 1: instruction SFT". */
  name: string;
  /** category (task or source) -> number of samples. */
  counts: Record<string, number>;
}

/**
 * Fig. 1b: each dataset as one horizontal bar split into its categories by share (%), with its
 * total size in the label (sizes differ by orders of magnitude, so shares are what is comparable).
 */
export function dataDistributionFigure(sets: DatasetComposition[], title = 'Fig. 1b: data distribution by stage'): FigureSpec {
  requireNonEmpty('dataDistributionFigure', sets.length);
  const cats: string[] = [];
  for (const s of sets) for (const c of Object.keys(s.counts)) if (!cats.includes(c)) cats.push(c);
  const totals = sets.map((s) => Object.values(s.counts).reduce((a, b) => a + b, 0));
  const labels = sets.map((s, i) => `${s.name} (n=${totals[i].toLocaleString('en-US')})`);
  const data = cats.map((c, ci) => {
    const shares = sets.map((s, i) => (totals[i] > 0 ? (100 * (s.counts[c] ?? 0)) / totals[i] : 0));
    return {
      type: 'bar',
      orientation: 'h',
      name: c,
      y: labels,
      x: shares,
      customdata: sets.map((s) => s.counts[c] ?? 0),
      text: shares.map((v) => (v >= 6 ? `${v.toFixed(0)}%` : '')),
      textposition: 'inside',
      insidetextanchor: 'middle',
      marker: { color: seriesColor(ci) },
      hovertemplate: `${c}: %{customdata} samples (%{x:.1f}%)<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(title, {
      barmode: 'stack',
      xaxis: axis('share of samples (%)', { range: [0, 100] }),
      yaxis: axis('', { autorange: 'reversed' }),
      margin: { l: 260, r: 30, t: 60, b: 90 },
    }),
  };
}

/** A dataset's composition by task (report findings / impression, VQA, grounding). */
export function compositionByTask(name: string, records: readonly { task: string }[]): DatasetComposition {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.task] = (counts[r.task] ?? 0) + 1;
  return { name, counts };
}

/** Fig. 1b (sizes): the number of samples of each dataset, on a log axis (they span orders of magnitude). */
export function datasetSizesFigure(sizes: Record<string, number>, title = 'Fig. 1b: samples per stage'): FigureSpec {
  const names = Object.keys(sizes).filter((k) => sizes[k] > 0);
  requireNonEmpty('datasetSizesFigure', names.length);
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        y: names,
        x: names.map((k) => sizes[k]),
        text: names.map((k) => sizes[k].toLocaleString('en-US')),
        textposition: 'outside',
        cliponaxis: false,
        marker: { color: names.map((_, i) => seriesColor(i)) },
        hovertemplate: '%{y}: %{x:,} samples<extra></extra>',
      },
    ],
    layout: baseLayout(title, {
      showlegend: false,
      // whole decades, starting one decade below the smallest set so every bar has visible length
      xaxis: axis('samples (log scale)', {
        type: 'log',
        dtick: 1,
        range: [Math.floor(Math.log10(Math.min(...names.map((k) => sizes[k])))) - 1, Math.log10(Math.max(...names.map((k) => sizes[k])) * 3)],
      }),
      yaxis: axis('', { autorange: 'reversed' }),
      margin: { l: 260, r: 80, t: 60, b: 70 },
    }),
  };
}

/** Rows of one split with a suffix, so ours and the paper's can sit side by side. */
function splitColumn(table: ReportTable, split: string, metric: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [model, row] of Object.entries(table[split] ?? {})) if (typeof row[metric] === 'number') out[model] = row[metric];
  return out;
}

/**
 * Fig. 1c: report generation, one bar per model on one split and metric (default: the weighted
 * average of Table 1's "Average"); published values as a second, hatched series when given.
 */
export function reportComparisonFigure(
  ours: ReportTable | null,
  opts: { split?: string; metric?: string; published?: ReportTable; title?: string } = {},
): FigureSpec {
  const split = opts.split ?? 'weighted_average';
  const metric = opts.metric ?? 'Average';
  const table: SeriesTable = {};
  if (ours) table['this workbench'] = splitColumn(ours, split, metric);
  if (opts.published) table['paper (published)'] = splitColumn(opts.published, split, metric);
  const splitLabel = REPORT_SPLITS.find((s) => s.id === split)?.label ?? split.replace(/_/g, ' ');
  return groupedBars(table, {
    title: opts.title ?? `Fig. 1c: report generation, ${metric} (${splitLabel})`,
    valueTitle: metric,
    horizontal: true,
    labels: true,
    patterns: { 'paper (published)': '/' },
  });
}

/** Fig. 1d: VQA average accuracy per model on each VQA set (series = VQA set). */
export function vqaComparisonFigure(vqa: VqaTable, title = 'Fig. 1d: VQA average accuracy'): FigureSpec {
  const table: SeriesTable = {};
  for (const s of VQA_SPLITS) if (vqa[s.id]) table[s.label] = vqa[s.id];
  for (const [k, v] of Object.entries(vqa)) if (!VQA_SPLITS.some((s) => s.id === k)) table[k] = v;
  return groupedBars(table, { title, valueTitle: 'accuracy', range: [0, 1], labels: true });
}

/**
 * Fig. 1e: the SFT model against the RL model on every split (the four report splits and the
 * weighted average by `metric`, plus each VQA set's accuracy when given).
 */
export function sftVsRlFigure(
  report: ReportTable,
  opts: { sft?: string; rl?: string; metric?: string; vqa?: VqaTable; title?: string } = {},
): FigureSpec {
  const sft = opts.sft ?? 'DeepMedix';
  const rl = opts.rl ?? 'DeepMedix-R1';
  const metric = opts.metric ?? 'Average';
  const table: SeriesTable = { [`${sft} (SFT)`]: {}, [`${rl} (RL)`]: {} };
  const splits = reportSplitsOf(report).map((id) => ({ id, label: splitLabel(id).replace(' ', '<br>') }));
  for (const s of splits) {
    const a = report[s.id]?.[sft]?.[metric];
    const b = report[s.id]?.[rl]?.[metric];
    if (typeof a === 'number') table[`${sft} (SFT)`][`${s.label}<br>${metric}`] = a;
    if (typeof b === 'number') table[`${rl} (RL)`][`${s.label}<br>${metric}`] = b;
  }
  for (const s of VQA_SPLITS) {
    const a = opts.vqa?.[s.id]?.[sft];
    const b = opts.vqa?.[s.id]?.[rl];
    if (typeof a === 'number') table[`${sft} (SFT)`][`${s.label}<br>accuracy`] = a;
    if (typeof b === 'number') table[`${rl} (RL)`][`${s.label}<br>accuracy`] = b;
  }
  return groupedBars(table, { title: opts.title ?? 'Fig. 1e: SFT vs RL per split', valueTitle: 'score', labels: true, digits: 3 });
}
