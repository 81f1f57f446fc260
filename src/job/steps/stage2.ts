/** Job step: the stage-2 cold start on the synthesis step's kept samples, then its benchmark predictions. */
import { hasCheckpoint } from '../../model/checkpoint.js';
import type { ColdStartRecord } from '../../reasoning/synthesis.js';
import { coldstartHyper, trainColdStart } from '../../train/coldstart.js';
import { readJsonl } from '../../util/fsx.js';
import { loadJobData, type JobContext } from '../context.js';
import type { JobStep } from '../pipeline.js';
import { predictBenchmark } from '../predict.js';
import type { TrainSummary } from './stage1.js';

export function stage2Step(ctx: JobContext): JobStep<TrainSummary> {
  const c = ctx.config;
  const L = ctx.layout;
  return {
    id: 'stage2',
    what: 'stage 2: cold-start reasoning SFT',
    key: { coldstart: c.coldstart, hyper: coldstartHyper(c) },
    code: ['src/job/steps/stage2.ts'],
    after: ['stage1', 'synthesis'],
    async run() {
      const data = loadJobData(ctx);
      const out = L.model('stage2');
      const r = await trainColdStart(c, {
        stage1: L.model('stage1'),
        train: readJsonl<ColdStartRecord>(L.coldstartSet('train')),
        val: readJsonl<ColdStartRecord>(L.coldstartSet('val')),
        imageRoot: data.dir,
        out,
        resume: hasCheckpoint(out),
        quiet: ctx.quiet,
      });
      r.sft.model.dispose();
      ctx.log(`  cold-start set: ${r.trainSet.length} samples (${r.tooLong} too long for the context), validation ${r.valSet.length}`);
      const p = await predictBenchmark(ctx, 'stage2', data.benchmark, data.dir);
      return { steps: r.sft.steps, lastLoss: r.sft.lastLoss, valLoss: r.sft.lastEval?.valLoss ?? null, predictions: p.n, trainSet: r.trainSet.length, tooLong: r.tooLong };
    },
  };
}
