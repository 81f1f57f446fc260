/** Greedy predictions of a trained stage's checkpoint on the benchmark, written as {id, text} JSONL. */
import type { InstructionRecord } from '../data/types.js';
import { loadModel } from '../model/checkpoint.js';
import { withFormatPrompts } from '../reasoning/coldstart.js';
import { loadTemplates, templatesPath } from '../reasoning/templates.js';
import { predictRecords } from '../train/predict.js';
import { writeJsonl } from '../util/fsx.js';
import { predictionsPath, modelDir, type JobContext, type TrainedStage } from './context.js';

/**
 * Predict the benchmark with a stage's model. Reasoning models (stages 2 and 3) are asked with the
 * format instruction they were trained with (config.synthesis.templates), as the paper prompts
 * DeepMedix-R1; the stage-1 model gets the plain prompts.
 */
export async function predictBenchmark(ctx: JobContext, stage: TrainedStage, benchmark: readonly InstructionRecord[], imageRoot: string): Promise<{ path: string; n: number }> {
  const { model, tokenizer } = loadModel(modelDir(ctx, stage));
  try {
    const asked = stage === 'stage1' ? [...benchmark] : withFormatPrompts(benchmark, loadTemplates(templatesPath(ctx.config.synthesis.templates)));
    const preds = await predictRecords(model, tokenizer, asked, { imageRoot, batchSize: 32, quiet: ctx.quiet, boxGrammar: ctx.config.model.boxGrammar });
    const path = predictionsPath(ctx, stage);
    writeJsonl(path, preds);
    return { path, n: preds.length };
  } finally {
    model.dispose();
  }
}
