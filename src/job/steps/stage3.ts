/** Job step: stage-3 GRPO from the cold start (resuming from its checkpoint), then its benchmark predictions. */
import { trainGrpoStage } from '../../train/grpo/stage.js';
import { loadJobData, mean, type JobContext } from '../context.js';
import type { JobStep } from '../pipeline.js';
import { predictBenchmark } from '../predict.js';

export interface GrpoSummary {
  steps: number;
  /** Mean total reward over the first and the last fifth of the steps. */
  rewardFirst: number;
  rewardLast: number;
  /** Greedy reward on the validation probe at the first and last probe (null without a probe). */
  validationFirst: number | null;
  validationLast: number | null;
  predictions: number;
}

export function stage3Step(ctx: JobContext): JobStep<GrpoSummary> {
  const c = ctx.config;
  return {
    id: 'stage3',
    what: 'stage 3: GRPO online RL -> DeepMedix-R1-mini',
    key: { grpo: c.grpo, reward: c.reward, templates: c.synthesis.templates },
    code: ['src/job/steps/stage3.ts'],
    after: ['cohort', 'stage2'],
    async run() {
      const data = loadJobData(ctx);
      const r = await trainGrpoStage(c, { init: ctx.layout.model('stage2'), train: data.train, val: data.val, benchmark: data.benchmark, imageRoot: data.dir, out: ctx.layout.model('stage3'), resume: true, quiet: ctx.quiet });
      const fifth = Math.max(1, Math.round(r.logs.length / 5));
      const rewards = r.logs.map((l) => l.reward.total.mean);
      const v = r.validation;
      const summary = {
        steps: r.logs.length,
        rewardFirst: mean(rewards.slice(0, fifth)),
        rewardLast: mean(rewards.slice(-fifth)),
        validationFirst: v.length ? v[0].reward.total : null,
        validationLast: v.length ? v[v.length - 1].reward.total : null,
      };
      r.dispose();
      ctx.log(`  GRPO ${summary.steps} steps: mean reward ${summary.rewardFirst.toFixed(4)} (first fifth) -> ${summary.rewardLast.toFixed(4)} (last fifth)`);
      if (v.length > 1) ctx.log(`  validation probe (${v[0].n} held-out prompts, greedy): reward ${v[0].reward.total.toFixed(4)} -> ${v[v.length - 1].reward.total.toFixed(4)}`);
      const p = await predictBenchmark(ctx, 'stage3', data.benchmark, data.dir);
      return { ...summary, predictions: p.n };
    },
  };
}
