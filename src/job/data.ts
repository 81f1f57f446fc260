/** Job stage 1 of 8: the cohort, its patient splits, the instruction sets and the benchmark. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readStudies } from '../data/cohort.js';
import { prepareDatasets } from '../data/prepare.js';
import type { InstructionRecord, Study } from '../data/types.js';
import type { StageSpec } from '../pipeline.js';
import { readJsonl } from '../util/fsx.js';
import { sharedPath } from '../util/paths.js';
import { cohortDir, type JobContext } from './context.js';

export interface CohortSummary {
  studies: number;
  train: number;
  val: number;
  benchmark: number;
  splits: Record<string, number>;
}

/** What the later stages read from the cohort stage. */
export interface JobData {
  dir: string;
  /** All studies (the synthesis looks studies up by id). */
  studies: Study[];
  train: InstructionRecord[];
  val: InstructionRecord[];
  benchmark: InstructionRecord[];
}

export function cohortStage(ctx: JobContext): StageSpec<CohortSummary> {
  const c = ctx.config;
  return {
    id: 'cohort',
    what: 'render the synthetic CXR cohort and build the instruction / XrayBench-shaped sets',
    // The shared NIH images join the VQA splits when present: their presence is an input too.
    key: { seed: c.seed, cohort: c.cohort, benchmark: c.benchmark, nih: Boolean(sharedPath('data', 'nih-cxr')) },
    async run() {
      const p = await prepareDatasets(c, cohortDir(ctx), { quiet: ctx.quiet });
      const splits: Record<string, number> = {};
      for (const r of p.benchmark) splits[r.split ?? r.task] = (splits[r.split ?? r.task] ?? 0) + 1;
      ctx.log(`  ${p.studies.length} studies; instructions train ${p.train.length}, val ${p.val.length}; benchmark ${p.benchmark.length} items ${JSON.stringify(splits)}`);
      return { studies: p.studies.length, train: p.train.length, val: p.val.length, benchmark: p.benchmark.length, splits };
    },
  };
}

/** Read the cohort stage's files. */
export function loadJobData(ctx: JobContext): JobData {
  const dir = cohortDir(ctx);
  for (const f of ['studies.jsonl', 'instructions-train.jsonl', 'instructions-val.jsonl', 'xraybench.jsonl', 'splits.json']) {
    if (!existsSync(join(dir, f))) throw new Error(`${join(dir, f)} is missing: the cohort stage did not finish (rerun the job)`);
  }
  return {
    dir,
    studies: readStudies(dir).studies,
    train: readJsonl<InstructionRecord>(join(dir, 'instructions-train.jsonl')),
    val: readJsonl<InstructionRecord>(join(dir, 'instructions-val.jsonl')),
    benchmark: readJsonl<InstructionRecord>(join(dir, 'xraybench.jsonl')),
  };
}
