/** Summary statistics of a synthesized set, per task: kept fraction, boxes per response, IoU, length. */
import type { FilterVerdict } from './filter.js';
import { type SynthesisSample } from './synthesis.js';

export interface TaskStats {
  task: string;
  n: number;
  kept: number;
  meanBoxes: number;
  /** Mean over responses with true regions of the mean best IoU per true box. */
  meanIou: number | null;
  meanChars: number;
}

/** Per-task statistics (and an 'all' row), in the order tasks first appear. */
export function synthesisStats(samples: SynthesisSample[], verdicts: FilterVerdict[]): TaskStats[] {
  if (samples.length !== verdicts.length) throw new Error(`synthesisStats: ${samples.length} samples but ${verdicts.length} verdicts`);
  const groups = new Map<string, number[]>();
  samples.forEach((s, i) => {
    for (const key of [s.task, 'all']) {
      const g = groups.get(key) ?? [];
      g.push(i);
      groups.set(key, g);
    }
  });
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const order = [...groups.keys()].filter((k) => k !== 'all').concat('all');
  return order.map((task) => {
    const idx = groups.get(task)!;
    const ious = idx.map((i) => verdicts[i].meanIou).filter((v): v is number => v !== null);
    return {
      task,
      n: idx.length,
      kept: idx.filter((i) => verdicts[i].kept).length,
      meanBoxes: mean(idx.map((i) => verdicts[i].nBoxes)),
      meanIou: ious.length ? mean(ious) : null,
      meanChars: mean(idx.map((i) => samples[i].response.length)),
    };
  });
}

export function statsMarkdown(rows: TaskStats[]): string {
  const lines = ['| task | n | kept | boxes / response | mean IoU with true boxes | chars |', '|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.task} | ${r.n} | ${r.kept} | ${r.meanBoxes.toFixed(2)} | ${r.meanIou === null ? '–' : r.meanIou.toFixed(3)} | ${r.meanChars.toFixed(0)} |`);
  }
  return lines.join('\n');
}
