/**
 * Job step: grounded reasoning synthesis and the filter, on the training split (the cold-start set)
 * and on a few validation items (the cold start's validation loss); the offline writer or an LLM
 * teacher (`synthesis.provider`).
 */
import { runSynthesisStage, validationSamples } from '../../reasoning/synthesis.js';
import { loadJobData, type JobContext } from '../context.js';
import type { JobStep } from '../pipeline.js';

export interface SynthesisSummary {
  selected: number;
  kept: number;
  validation: number;
  table: unknown;
}

export function synthesisStep(ctx: JobContext): JobStep<SynthesisSummary> {
  const c = ctx.config;
  return {
    id: 'synthesis',
    what: 'synthesize grounded reasoning and filter it',
    key: { seed: c.seed, synthesis: c.synthesis, samples: c.coldstart.samples, vqaWeight: c.coldstart.vqaWeight, bound: c.reward.bound, validation: validationSamples(c) },
    code: ['src/job/steps/synthesis.ts'],
    after: ['cohort'],
    async run() {
      const data = loadJobData(ctx);
      const common = { studies: data.studies, imageRoot: data.dir };
      const r = await runSynthesisStage(c, { ...common, records: data.train, outDir: ctx.layout.synthesis('train'), quiet: ctx.quiet });
      const v = await runSynthesisStage(c, { ...common, records: data.val, outDir: ctx.layout.synthesis('val'), n: validationSamples(c), quiet: true });
      ctx.log(`  ${r.samples.length} samples synthesized (${r.resumed} resumed), ${r.coldstart.length} kept by the filter; validation ${v.coldstart.length} of ${v.samples.length}`);
      return { selected: r.samples.length, kept: r.coldstart.length, validation: v.coldstart.length, table: r.table };
    },
  };
}
