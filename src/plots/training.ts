/**
 * GRPO training curves: one panel per logged quantity (reward and its parts, KL, response length,
 * clip fraction, frac_reward_zero_std, …) against the step, raw and smoothed.
 */
import type { EvalRow, RunLogRow, StepRow } from '../train/runlog.js';
import { axis, baseLayout, requireNonEmpty, seriesColor, type FigureSpec } from './spec.js';

/** One line of a training log: the step and any numeric quantities. */
export type LogRow = { step: number } & Record<string, unknown>;

/** Trailing moving average over `window` points (the first points average what exists). */
export function movingAverage(values: number[], window: number): number[] {
  const w = Math.max(1, Math.floor(window));
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= w) sum -= values[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
}

/** Numeric keys present in the log (besides `step`), in first-seen order. */
export function numericKeys(rows: LogRow[]): string[] {
  const keys: string[] = [];
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (k !== 'step' && typeof v === 'number' && Number.isFinite(v) && !keys.includes(k)) keys.push(k);
  return keys;
}

export interface CurveOptions {
  /** Quantities to plot (default: every numeric key). */
  keys?: string[];
  /** Moving-average window in logged points (default: about 5% of the run, at least 1). */
  smooth?: number;
  columns?: number;
  title?: string;
}

/** A grid of small panels, one per quantity; raw values faint, the moving average solid. */
export function grpoCurvesFigure(rows: LogRow[], o: CurveOptions = {}): FigureSpec {
  requireNonEmpty('grpoCurvesFigure', rows.length);
  const keys = o.keys ?? numericKeys(rows);
  requireNonEmpty('grpoCurvesFigure (no numeric quantities)', keys.length);
  const cols = Math.min(o.columns ?? 3, keys.length);
  const nrows = Math.ceil(keys.length / cols);
  const smooth = o.smooth ?? Math.max(1, Math.round(rows.length / 20));
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = baseLayout(o.title ?? 'GRPO training curves', {
    showlegend: false,
    grid: { rows: nrows, columns: cols, pattern: 'independent', xgap: 0.12, ygap: 0.22 },
    margin: { l: 60, r: 20, t: 60, b: 50 },
  });
  const annotations: Record<string, unknown>[] = [];
  keys.forEach((k, i) => {
    const pts = rows.filter((r) => typeof r[k] === 'number' && Number.isFinite(r[k] as number));
    const x = pts.map((r) => r.step);
    const y = pts.map((r) => r[k] as number);
    const ax = i === 0 ? '' : String(i + 1);
    const color = seriesColor(i);
    if (pts.length < rows.length / 2) {
      // A sparse series (the validation probe, every few steps): its points, joined, unsmoothed.
      data.push({ type: 'scatter', mode: 'lines+markers', x, y, xaxis: `x${ax}`, yaxis: `y${ax}`, line: { color, width: 2 }, name: k });
    } else {
      data.push({ type: 'scatter', mode: 'lines', x, y, xaxis: `x${ax}`, yaxis: `y${ax}`, line: { color, width: 1 }, opacity: 0.3, name: k, hoverinfo: 'skip' });
      data.push({ type: 'scatter', mode: 'lines', x, y: movingAverage(y, smooth), xaxis: `x${ax}`, yaxis: `y${ax}`, line: { color, width: 2 }, name: `${k} (avg ${smooth})` });
    }
    layout[`xaxis${ax}`] = axis(Math.floor(i / cols) === nrows - 1 ? 'step' : '', { title: { text: Math.floor(i / cols) === nrows - 1 ? 'step' : '', standoff: 4 } });
    layout[`yaxis${ax}`] = axis('');
    annotations.push({ text: `<b>${k}</b>`, xref: `x${ax} domain`, yref: `y${ax} domain`, x: 0, y: 1.12, xanchor: 'left', showarrow: false, font: { size: 12 } });
  });
  layout.annotations = annotations;
  return { data, layout };
}

/** Training loss per step (raw and smoothed), validation loss per evaluation, and the learning rate. */
export function sftLossFigure(rows: readonly RunLogRow[], title = 'Stage 1 SFT: answer-token loss'): FigureSpec {
  const steps = rows.filter((r): r is StepRow => r.kind === 'step');
  const evals = rows.filter((r): r is EvalRow => r.kind === 'eval');
  if (!steps.length) throw new Error('sftLossFigure: the run log has no step rows');
  const x = steps.map((r) => r.step);
  const loss = steps.map((r) => r.loss);
  const window = Math.max(1, Math.round(steps.length / 40));
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'train loss', x, y: loss, line: { color: '#9ecae1', width: 1 } },
      { type: 'scatter', mode: 'lines', name: `train loss (moving average, ${window})`, x, y: movingAverage(loss, window), line: { color: '#08519c', width: 2 } },
      { type: 'scatter', mode: 'lines+markers', name: 'validation loss', x: evals.map((r) => r.step), y: evals.map((r) => r.valLoss), line: { color: '#d94801', width: 2 } },
      { type: 'scatter', mode: 'lines', name: 'learning rate', x, y: steps.map((r) => r.lr), yaxis: 'y2', line: { color: '#74c476', dash: 'dot', width: 1 } },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'optimizer step' } },
      yaxis: { title: { text: 'mean answer-token NLL (nats)' } },
      yaxis2: { title: { text: 'learning rate' }, overlaying: 'y', side: 'right', showgrid: false },
      legend: { orientation: 'h', y: -0.2 },
      margin: { t: 50, r: 70 },
    },
  };
}
