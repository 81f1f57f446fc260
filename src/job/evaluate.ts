/**
 * Job stage 6: score every model's benchmark predictions with the evaluation harness (Table 1
 * report metrics per split and their weighted average, VQA accuracy per set and question type),
 * beside a constant baseline built from the training split.
 */
import { join } from 'node:path';
import { closedAnswerRates, evaluatePairs, headline, matchPredictions, readBenchmark, readPredictions, vqaBySource, type AnswerRate, type Headline } from '../metrics/harness.js';
import type { StageSpec } from '../pipeline.js';
import { constantBaseline } from '../train/stage1eval.js';
import { writeJson, writeJsonl } from '../util/fsx.js';
import { benchmarkPath, MODEL_NAMES, predictionsPath, type JobContext, type TrainedStage } from './context.js';
import { loadJobData } from './data.js';

/** The constant baseline: every item answered with the training split's most frequent answer of its task (question type for VQA). */
export const BASELINE_NAME = 'Constant (most frequent training answer)';

export interface EvaluateSummary {
  /** model name -> results.json path (relative to the stage directory) and headline numbers. */
  models: Record<string, { file: string; predictions: string; vqaBySource?: Record<string, number>; closedAnswers: Record<string, { yes: AnswerRate; AP: AnswerRate }> } & Headline>;
}


/** Model name -> predictions file of every model the job scores (the three stages, then the baseline). */
export function scoredModels(ctx: JobContext, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const stage of Object.keys(MODEL_NAMES) as TrainedStage[]) out[MODEL_NAMES[stage]] = predictionsPath(ctx, stage);
  out[BASELINE_NAME] = join(dir, 'baseline-constant.jsonl');
  return out;
}

export function evaluateStage(ctx: JobContext): StageSpec<EvaluateSummary> {
  return {
    id: 'evaluate',
    what: 'Table 1 and VQA metrics on the held-out benchmark',
    key: { version: 3 },
    after: ['cohort', 'stage1', 'stage2', 'stage3'],
    async run(dir) {
      const data = loadJobData(ctx);
      const base = constantBaseline(data.train, data.benchmark);
      writeJsonl(join(dir, 'baseline-constant.jsonl'), [...base].map(([id, text]) => ({ id, text })));
      const items = readBenchmark(benchmarkPath(ctx));
      const models: EvaluateSummary['models'] = {};
      for (const [model, predPath] of Object.entries(scoredModels(ctx, dir))) {
        const matched = matchPredictions(items, readPredictions(predPath), { predictionsPath: predPath });
        const result = evaluatePairs(matched);
        const file = `results-${Object.keys(models).length}.json`;
        writeJson(join(dir, file), { model, references: benchmarkPath(ctx), predictions: predPath, ...result });
        const bySource = vqaBySource(result);
        const closedAnswers = closedAnswerRates(matched);
        models[model] = { file, predictions: predPath, ...headline(result), ...(bySource ? { vqaBySource: bySource } : {}), closedAnswers };
        const h = models[model];
        const sources = bySource ? ` (${Object.entries(bySource).map(([k, v]) => `${k} images ${v.toFixed(4)}`).join(', ')})` : '';
        ctx.log(`  ${model.padEnd(42)} report weighted average ${h.reportAverage?.toFixed(4) ?? 'n/a'}, VQA accuracy ${h.vqaAccuracy?.toFixed(4) ?? 'n/a'}${sources}`);
        const priors = Object.entries(closedAnswers).map(([src, r]) => `${src} "yes" ${r.yes.predicted}/${r.yes.n} (truth ${r.yes.truth}), "AP" ${r.AP.predicted}/${r.AP.n} (truth ${r.AP.truth})`);
        if (priors.length) ctx.log(`  ${''.padEnd(42)} closed answers: ${priors.join('; ')}`);
      }
      return { models };
    },
  };
}
