/** Job step: the cohort, its patient splits, the instruction sets and the XrayBench-shaped benchmark. */
import { prepareDatasets } from '../../data/prepare.js';
import { sharedPath } from '../../util/paths.js';
import type { JobContext } from '../context.js';
import type { JobStep } from '../pipeline.js';

export interface CohortSummary {
  studies: number;
  train: number;
  val: number;
  benchmark: number;
  splits: Record<string, number>;
}

export function cohortStep(ctx: JobContext): JobStep<CohortSummary> {
  const c = ctx.config;
  return {
    id: 'cohort',
    what: 'render the synthetic CXR cohort and build the instruction / XrayBench-shaped sets',
    // The shared NIH images join the VQA splits when present: their presence is an input too.
    key: { seed: c.seed, cohort: c.cohort, benchmark: c.benchmark, nih: Boolean(sharedPath('data', 'nih-cxr')) },
    code: ['src/job/steps/cohort.ts'],
    async run() {
      const p = await prepareDatasets(c, ctx.layout.cohort, { quiet: ctx.quiet });
      const splits: Record<string, number> = {};
      for (const r of p.benchmark) splits[r.split ?? r.task] = (splits[r.split ?? r.task] ?? 0) + 1;
      ctx.log(`  ${p.studies.length} studies; instructions train ${p.train.length}, val ${p.val.length}; benchmark ${p.benchmark.length} items ${JSON.stringify(splits)}`);
      return { studies: p.studies.length, train: p.train.length, val: p.val.length, benchmark: p.benchmark.length, splits };
    },
  };
}
