/**
 * Job stages 2–5: stage-1 instruction SFT, the reasoning synthesis + filter, the stage-2 cold start
 * and stage-3 GRPO. Each training stage resumes from its checkpoint after an interruption, then
 * predicts the benchmark with its model (read by the evaluation and the arena).
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasCheckpoint } from '../model/checkpoint.js';
import { coldstartHyper, runColdStart } from '../reasoning/coldstart.js';
import { runSynthesisStage } from '../reasoning/stage.js';
import type { StageSpec } from '../pipeline.js';
import { trainGrpoStage } from '../train/grpo-stage.js';
import { trainSft } from '../train/sft.js';
import { loadJobData } from './data.js';
import { mean, modelDir, stagePath, type JobContext } from './context.js';
import { predictBenchmark } from './predict.js';

export interface TrainSummary {
  steps: number;
  lastLoss: number;
  valLoss: number | null;
  predictions: number;
  [k: string]: unknown;
}

export function stage1Stage(ctx: JobContext): StageSpec<TrainSummary> {
  const c = ctx.config;
  return {
    id: 'stage1',
    what: 'stage 1: instruction SFT -> DeepMedix-mini',
    key: { seed: c.seed, model: c.model, sft: c.sft },
    after: ['cohort'],
    async run() {
      const data = loadJobData(ctx);
      const out = modelDir(ctx, 'stage1');
      const r = await trainSft({ config: c, out, train: data.train, val: data.val, imageRoot: data.dir, resume: hasCheckpoint(out), quiet: ctx.quiet });
      r.model.dispose();
      const p = await predictBenchmark(ctx, 'stage1', data.benchmark, data.dir);
      return { steps: r.steps, lastLoss: r.lastLoss, valLoss: r.lastEval?.valLoss ?? null, predictions: p.n };
    },
  };
}

export interface SynthesisSummary {
  selected: number;
  kept: number;
  table: unknown;
}

/** Synthesis + filter of the training split's reasoning set (the offline writer or an LLM teacher). */
export function synthesisStage(ctx: JobContext): StageSpec<SynthesisSummary> {
  const c = ctx.config;
  return {
    id: 'synthesis',
    what: 'synthesize grounded reasoning and filter it',
    key: { seed: c.seed, synthesis: c.synthesis, samples: c.coldstart.samples, vqaWeight: c.coldstart.vqaWeight, bound: c.reward.bound },
    after: ['cohort'],
    async run(dir) {
      const data = loadJobData(ctx);
      const r = await runSynthesisStage(c, { records: data.train, studies: data.studies, imageRoot: data.dir, outDir: join(dir, 'synthesis'), quiet: ctx.quiet });
      ctx.log(`  ${r.samples.length} samples synthesized (${r.resumed} resumed), ${r.coldstart.length} kept by the filter`);
      return { selected: r.samples.length, kept: r.coldstart.length, table: r.table };
    },
  };
}

export function stage2Stage(ctx: JobContext): StageSpec<TrainSummary> {
  const c = ctx.config;
  return {
    id: 'stage2',
    what: 'stage 2: cold-start reasoning SFT',
    key: { coldstart: c.coldstart, hyper: coldstartHyper(c), valItems: c.sft.valItems },
    after: ['stage1', 'synthesis'],
    async run(dir) {
      const data = loadJobData(ctx);
      // The synthesis stage's samples seed this stage's synthesis directory: runColdStart's synthesis
      // resumes from them instead of writing the same set again.
      const own = join(dir, 'synthesis');
      if (!existsSync(own)) cpSync(join(stagePath(ctx, 'synthesis'), 'synthesis'), own, { recursive: true });
      const r = await runColdStart(c, {
        stage1: modelDir(ctx, 'stage1'),
        train: data.train,
        val: data.val,
        studies: data.studies,
        imageRoot: data.dir,
        out: dir,
        resume: hasCheckpoint(modelDir(ctx, 'stage2')),
        quiet: ctx.quiet,
      });
      r.sft.model.dispose();
      ctx.log(`  cold-start set: ${r.trainSet.length} samples (${r.tooLong} too long for the context), validation ${r.valSet.length}`);
      const p = await predictBenchmark(ctx, 'stage2', data.benchmark, data.dir);
      return { steps: r.sft.steps, lastLoss: r.sft.lastLoss, valLoss: r.sft.lastEval?.valLoss ?? null, predictions: p.n, trainSet: r.trainSet.length, tooLong: r.tooLong };
    },
  };
}

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

export function stage3Stage(ctx: JobContext): StageSpec<GrpoSummary> {
  const c = ctx.config;
  return {
    id: 'stage3',
    what: 'stage 3: GRPO online RL -> DeepMedix-R1-mini',
    key: { grpo: c.grpo, reward: c.reward, templates: c.synthesis.templates },
    after: ['cohort', 'stage2'],
    async run() {
      const data = loadJobData(ctx);
      const out = modelDir(ctx, 'stage3');
      const r = await trainGrpoStage(c, { init: modelDir(ctx, 'stage2'), train: data.train, val: data.val, benchmark: data.benchmark, imageRoot: data.dir, out, resume: true, quiet: ctx.quiet });
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
