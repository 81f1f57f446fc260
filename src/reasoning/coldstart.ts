/**
 * Stage 2, the cold start: supervised fine-tuning of the stage-1 model on the kept reasoning
 * samples (the shared SFT trainer, started from the stage-1 checkpoint with the `coldstart`
 * hyper-parameters), so that RL begins from a model that already writes `<think>` reasoning with
 * boxes and a `\boxed{}` answer. Also: the grounded-output measures the paper's stage 2 is for —
 * format compliance, boxes per answer, IoU of those boxes with the true regions.
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { InstructionRecord, Study } from '../data/types.js';
import { readCheckpoint } from '../model/checkpoint.js';
import { answerIds, promptIds } from '../model/sequence.js';
import { boxIou, extractBoxes, extractThink, isWellFormatted } from '../text/parse.js';
import { Tokenizer } from '../text/tokenizer.js';
import { trainSft, type SftResult } from '../train/sft.js';
import type { ColdStartRecord } from './pipeline.js';
import { runSynthesisStage, type SynthesisStageResult } from './stage.js';
import { truthBoxes } from './synthesizer.js';
import { withFormatInstruction, type PromptTemplates } from './templates.js';

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

/** Benchmark records with the training format instruction appended to their prompts (same ids). */
export function withFormatPrompts(records: readonly InstructionRecord[], templates: PromptTemplates): InstructionRecord[] {
  return records.map((r) => ({ ...r, prompt: withFormatInstruction(r.prompt, templates, r.frame) }));
}

export interface GroundedOutputStats {
  n: number;
  /** Share of outputs matching the paper's format pattern. */
  formatRate: number;
  /** Mean number of boxes inside the `<think>` block (0 when there is none). */
  meanBoxes: number;
  /** Share of outputs with at least one box in `<think>`. */
  withBoxesRate: number;
  /** Share of think-block boxes with every coordinate inside [0, bound]. */
  inBoundRate: number | null;
  /** Over items with true regions: mean over true boxes of the best IoU with an output box. */
  meanIou: number | null;
  /** Share of think-block boxes whose best IoU with a true region of their item is ≥ 0.5 (an item without true regions matches none). */
  boxMatchRate: number | null;
  itemsWithTruth: number;
}

/** The grounding measures of a set of outputs against the true regions of their items. */
export function groundedOutputStats(
  preds: readonly { id: string; text: string }[],
  records: readonly InstructionRecord[],
  studies: ReadonlyMap<string, Study>,
  bound: number,
): GroundedOutputStats {
  const byId = new Map(records.map((r) => [r.id, r]));
  let formatted = 0;
  let boxes = 0;
  let withBoxes = 0;
  let inBound = 0;
  let matched = 0;
  const ious: number[] = [];
  for (const p of preds) {
    const r = byId.get(p.id);
    if (!r) throw new Error(`groundedOutputStats: prediction id ${p.id} is not among the records`);
    if (isWellFormatted(p.text)) formatted++;
    const think = extractThink(p.text);
    const bs = think === null ? [] : extractBoxes(think);
    boxes += bs.length;
    if (bs.length) withBoxes++;
    inBound += bs.filter((b) => b.every((v) => v >= 0 && v <= bound)).length;
    const truth = truthBoxes({ record: r, study: studies.get(r.studyId) });
    matched += bs.filter((b) => truth.some((t) => boxIou(b, t.box) >= 0.5)).length;
    if (truth.length) {
      const best = truth.map((t) => bs.reduce((m, b) => Math.max(m, boxIou(b, t.box)), 0));
      ious.push(best.reduce((a, b) => a + b, 0) / best.length);
    }
  }
  const n = preds.length;
  return {
    n,
    formatRate: n ? formatted / n : 0,
    meanBoxes: n ? boxes / n : 0,
    withBoxesRate: n ? withBoxes / n : 0,
    inBoundRate: boxes ? inBound / boxes : null,
    meanIou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : null,
    boxMatchRate: boxes ? matched / boxes : null,
    itemsWithTruth: ious.length,
  };
}

export interface ColdStartOptions {
  /** Directory of the stage-1 checkpoint. */
  stage1: string;
  /** Training / validation items and studies of the stage-1 split (never the benchmark). */
  train: InstructionRecord[];
  val: InstructionRecord[];
  studies: Study[];
  imageRoot: string;
  /** Output directory: synthesis/, synthesis-val/, model/ (the cold-start checkpoint). */
  out: string;
  /** Simulated teacher errors (see noisy.ts); 0 by default. */
  simulatedErrorRate?: number;
  resume?: boolean;
  quiet?: boolean;
}

export interface ColdStartResult {
  synthesis: SynthesisStageResult;
  /** Kept samples that fit the model's context (the training set). */
  trainSet: ColdStartRecord[];
  /** Kept samples dropped because prompt + response exceed model.maxLen. */
  tooLong: number;
  valSet: ColdStartRecord[];
  sft: SftResult;
}

/** Synthesize + filter the reasoning set, then fine-tune the stage-1 model on it. */
export async function runColdStart(config: Config, o: ColdStartOptions): Promise<ColdStartResult> {
  const header = readCheckpoint(o.stage1).header;
  const tok = Tokenizer.fromJSON(header.tokenizer);
  const maxLen = header.spec.maxLen;
  const synthesis = await runSynthesisStage(config, {
    records: o.train,
    studies: o.studies,
    imageRoot: o.imageRoot,
    outDir: join(o.out, 'synthesis'),
    simulatedErrorRate: o.simulatedErrorRate,
    quiet: o.quiet,
  });
  const { fit, tooLong } = fitContext(synthesis.coldstart, tok, maxLen);
  if (!fit.length) throw new Error(`coldstart: none of the ${synthesis.coldstart.length} kept samples fits model.maxLen ${maxLen}`);
  const valN = Math.max(8, Math.min(config.sft.valItems || 64, 64));
  const valSynth = await runSynthesisStage(config, {
    records: o.val,
    studies: o.studies,
    imageRoot: o.imageRoot,
    outDir: join(o.out, 'synthesis-val'),
    n: valN,
    quiet: true,
  });
  const valSet = fitContext(valSynth.coldstart, tok, maxLen).fit;
  const sft = await trainSft({
    config,
    hyper: coldstartHyper(config),
    out: join(o.out, 'model'),
    train: fit,
    val: valSet.length ? valSet : fit.slice(0, 8),
    imageRoot: o.imageRoot,
    init: o.stage1,
    stage: 'coldstart',
    resume: o.resume,
    quiet: o.quiet,
  });
  return { synthesis, trainSet: fit, tooLong: tooLong.length, valSet, sft };
}
