/**
 * Job step: score every model's benchmark predictions with the evaluation harness (Table 1
 * report metrics per split and their weighted average, VQA accuracy per set and question type),
 * beside a constant baseline built from the training split.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { TRAINED_STAGES, type RunLayout } from '../../run-layout.js';
import { closedAnswerRates, evaluatePairs, headline, matchPredictions, readBenchmark, readPredictions, vqaBySource, type AnswerRate, type EvaluationResult, type Headline } from '../../eval/harness.js';
import { stepMarker, type JobStep } from '../pipeline.js';
import { constantBaseline } from '../../eval/instruction-scores.js';
import { readJson, writeJson, writeJsonl } from '../../util/fsx.js';
import { loadJobData, MODEL_NAMES, type JobContext } from '../context.js';

/** The constant baseline: every item answered with the training split's most frequent answer of its task (question type for VQA). */
export const BASELINE_NAME = 'Constant (most frequent training answer)';

export interface EvaluateSummary {
  /** model name -> results.json path (relative to the stage directory) and headline numbers. */
  models: Record<string, { file: string; predictions: string; vqaBySource?: Record<string, number>; closedAnswers: Record<string, { yes: AnswerRate; AP: AnswerRate }> } & Headline>;
}


/** Model name -> predictions file of every model the job scores (the three stages, then the baseline). */
export function scoredModels(ctx: Pick<JobContext, 'layout'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const stage of TRAINED_STAGES) out[MODEL_NAMES[stage]] = ctx.layout.predictions(stage);
  out[BASELINE_NAME] = join(ctx.layout.step('evaluate'), 'baseline-constant.jsonl');
  return out;
}

export function evaluateStep(ctx: JobContext): JobStep<EvaluateSummary> {
  return {
    id: 'evaluate',
    what: 'Table 1 and VQA metrics on the held-out benchmark',
    key: {},
    code: ['src/job/steps/evaluate.ts'],
    after: ['cohort', 'stage1', 'stage2', 'stage3'],
    async run(dir) {
      const data = loadJobData(ctx);
      const base = constantBaseline(data.train, data.benchmark);
      writeJsonl(join(dir, 'baseline-constant.jsonl'), [...base].map(([id, text]) => ({ id, text })));
      const items = readBenchmark(ctx.layout.benchmark);
      const models: EvaluateSummary['models'] = {};
      for (const [model, predPath] of Object.entries(scoredModels(ctx))) {
        const matched = matchPredictions(items, readPredictions(predPath), { predictionsPath: predPath });
        const result = evaluatePairs(matched);
        const file = `results-${Object.keys(models).length}.json`;
        writeJson(join(dir, file), { model, references: ctx.layout.benchmark, predictions: predPath, ...result });
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

/** The evaluate step's results, model name -> evaluation (Table 1 per split, VQA per split). */
export function readEvaluations(layout: RunLayout): Record<string, EvaluationResult> {
  const marker = stepMarker(layout.step('evaluate'));
  if (!existsSync(marker)) throw new Error(`${marker} is missing: the job's evaluate step has not finished in ${layout.root}`);
  const { summary } = readJson<{ summary: EvaluateSummary }>(marker);
  return Object.fromEntries(Object.entries(summary.models).map(([model, m]) => [model, readJson<EvaluationResult>(join(layout.step('evaluate'), m.file))]));
}
