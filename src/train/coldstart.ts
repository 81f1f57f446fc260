/**
 * Stage 2, the cold start: supervised fine-tuning of the stage-1 model on the kept reasoning
 * samples (the shared SFT trainer, started from the stage-1 checkpoint with the `coldstart`
 * hyper-parameters), so that RL begins from a model that already writes `<think>` reasoning with
 * boxes and a `\boxed{}` answer. The samples come from the reasoning synthesis
 * (src/reasoning/synthesis.ts); the grounded-output measures are src/eval/grounding.ts.
 */
import type { Config } from '../config.js';
import type { InstructionRecord } from '../data/types.js';
import { readCheckpoint } from '../model/checkpoint.js';
import { answerIds, promptIds } from '../model/sequence.js';
import type { ColdStartRecord } from '../reasoning/synthesis.js';
import { Tokenizer } from '../text/tokenizer.js';
import { trainSft, type SftResult } from './sft.js';

/** The SFT hyper-parameters of stage 2: config.sft with the coldstart section laid over it. */
export function coldstartHyper(config: Config): Config['sft'] {
  const c = config.coldstart;
  return { ...config.sft, epochs: c.epochs, batchSize: c.batchSize, lr: c.lr, warmupSteps: c.warmupSteps };
}

/** Split records into those whose prompt + answer fit the model's context and those that do not. */
export function fitContext<T extends InstructionRecord>(records: readonly T[], tok: Tokenizer, maxLen: number): { fit: T[]; tooLong: T[] } {
  const fit: T[] = [];
  const tooLong: T[] = [];
  for (const r of records) (promptIds(tok, r.prompt).length + answerIds(tok, r.answer).length - 1 <= maxLen ? fit : tooLong).push(r);
  return { fit, tooLong };
}

export interface ColdStartOptions {
  /** Directory of the stage-1 checkpoint. */
  stage1: string;
  /** The kept reasoning samples of the training split (the synthesis' coldstart.jsonl). */
  train: readonly ColdStartRecord[];
  /** Kept samples of the validation split, for the validation loss (none: the first 8 training samples). */
  val: readonly ColdStartRecord[];
  imageRoot: string;
  /** Output directory of the cold-start checkpoint. */
  out: string;
  resume?: boolean;
  quiet?: boolean;
}

export interface ColdStartResult {
  /** Kept samples that fit the model's context (the training set). */
  trainSet: ColdStartRecord[];
  /** Kept samples dropped because prompt + response exceed model.maxLen. */
  tooLong: number;
  valSet: ColdStartRecord[];
  sft: SftResult;
}

/** Fine-tune the stage-1 model on the kept reasoning samples that fit its context. */
export async function trainColdStart(config: Config, o: ColdStartOptions): Promise<ColdStartResult> {
  const header = readCheckpoint(o.stage1).header;
  const tok = Tokenizer.fromJSON(header.tokenizer);
  const maxLen = header.spec.maxLen;
  const { fit, tooLong } = fitContext(o.train, tok, maxLen);
  if (!fit.length) throw new Error(`coldstart: none of the ${o.train.length} kept samples fits model.maxLen ${maxLen}`);
  const valSet = fitContext(o.val, tok, maxLen).fit;
  const sft = await trainSft({
    config,
    hyper: coldstartHyper(config),
    out: o.out,
    train: fit,
    val: valSet.length ? valSet : fit.slice(0, 8),
    imageRoot: o.imageRoot,
    init: o.stage1,
    stage: 'coldstart',
    resume: o.resume,
    quiet: o.quiet,
  });
  return { trainSet: fit, tooLong: tooLong.length, valSet, sft };
}
