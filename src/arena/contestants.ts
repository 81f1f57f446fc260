/**
 * Report items of the cohort's benchmark for the arena (one report task), and two baselines built
 * from the training split: the most frequent training report and a seeded random one. The job's
 * trained models take part through their benchmark predictions (src/job/steps/arena.ts).
 */
import type { DatasetFiles } from '../data/prepare.js';
import type { InstructionRecord } from '../data/types.js';
import { Rng } from '../util/rng.js';
import type { ModelPredictions } from './types.js';

export interface CohortReportItems {
  /** The benchmark's report items of the task, at most `limit`. */
  records: InstructionRecord[];
  references: Map<string, string>;
  /** Training-split report answers of the same task (for the baselines). */
  trainReports: string[];
  cohortDir: string;
}

/** The benchmark's report items of one task and the training reports of that task. */
export function cohortReportItems(data: Pick<DatasetFiles, 'benchmark' | 'train' | 'dir'>, opts: { limit?: number; task?: string } = {}): CohortReportItems {
  const task = opts.task ?? 'report-findings';
  const records = data.benchmark.filter((r) => r.task === task).slice(0, opts.limit);
  if (records.length === 0) throw new Error(`cohort ${data.dir}: no benchmark '${task}' items`);
  return {
    records,
    references: new Map(records.map((r) => [r.id, r.answer])),
    trainReports: data.train.filter((r) => r.task === task).map((r) => r.answer),
    cohortDir: data.dir,
  };
}

/** `constant-train` (the most frequent training report) and `random-train` (seeded) for the items. */
export function cohortBaselines(items: CohortReportItems, seed: number): ModelPredictions[] {
  if (items.trainReports.length === 0) throw new Error('cohort baselines: no training reports');
  const counts = new Map<string, number>();
  for (const t of items.trainReports) counts.set(t, (counts.get(t) ?? 0) + 1);
  const constant = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const rng = new Rng(seed);
  return [
    { name: 'constant-train', reports: new Map(items.records.map((r) => [r.id, constant])) },
    { name: 'random-train', reports: new Map(items.records.map((r) => [r.id, items.trainReports[rng.int(0, items.trainReports.length - 1)]])) },
  ];
}
