/** Plotly figure specs for SFT run logs (loss curves), built from run.jsonl rows. */
import type { FigureSpec } from '../plots/spec.js';
import { movingAverage } from '../plots/training.js';
import type { EvalRow, RunLogRow, StepRow } from './runlog.js';

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
