/** Job step: stage-1 instruction SFT (resuming from its checkpoint), then its benchmark predictions. */
import { hasCheckpoint } from '../../model/checkpoint.js';
import { trainSft } from '../../train/sft.js';
import { loadJobData, type JobContext } from '../context.js';
import type { JobStep } from '../pipeline.js';
import { predictBenchmark } from '../predict.js';

export interface TrainSummary {
  steps: number;
  lastLoss: number;
  valLoss: number | null;
  predictions: number;
  [k: string]: unknown;
}

export function stage1Step(ctx: JobContext): JobStep<TrainSummary> {
  const c = ctx.config;
  return {
    id: 'stage1',
    what: 'stage 1: instruction SFT -> DeepMedix-mini',
    key: { seed: c.seed, model: c.model, sft: c.sft },
    code: ['src/job/steps/stage1.ts'],
    after: ['cohort'],
    async run() {
      const data = loadJobData(ctx);
      const out = ctx.layout.model('stage1');
      const r = await trainSft({ config: c, out, train: data.train, val: data.val, imageRoot: data.dir, resume: hasCheckpoint(out), quiet: ctx.quiet });
      r.model.dispose();
      const p = await predictBenchmark(ctx, 'stage1', data.benchmark, data.dir);
      return { steps: r.steps, lastLoss: r.lastLoss, valLoss: r.lastEval?.valLoss ?? null, predictions: p.n };
    },
  };
}
