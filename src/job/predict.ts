/** Greedy predictions of a trained stage's checkpoint on the benchmark, written as {id, text} JSONL. */
import { configuredTemplates, withFormatPrompts } from '../data/templates.js';
import type { InstructionRecord } from '../data/types.js';
import { predictRecords } from '../eval/predict.js';
import { loadModel } from '../model/checkpoint.js';
import type { TrainedStage } from '../run-layout.js';
import { writeJsonl } from '../util/fsx.js';
import type { JobContext } from './context.js';

/**
 * Predict the benchmark with a stage's model. Reasoning models (stages 2 and 3) are asked with the
 * format instruction they were trained with (config.synthesis.templates), as the paper prompts
 * DeepMedix-R1; the stage-1 model gets the plain prompts.
 */
export async function predictBenchmark(ctx: JobContext, stage: TrainedStage, benchmark: readonly InstructionRecord[], imageRoot: string): Promise<{ path: string; n: number }> {
  const { model, tokenizer } = loadModel(ctx.layout.model(stage));
  try {
    const asked = stage === 'stage1' ? [...benchmark] : withFormatPrompts(benchmark, configuredTemplates(ctx.config));
    const preds = await predictRecords(model, tokenizer, asked, { imageRoot, batchSize: 32, quiet: ctx.quiet, boxGrammar: ctx.config.model.boxGrammar });
    const path = ctx.layout.predictions(stage);
    writeJsonl(path, preds);
    return { path, n: preds.length };
  } finally {
    model.dispose();
  }
}
