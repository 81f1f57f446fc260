/**
 * Supervised instruction fine-tuning (the paper's stage 1; stage 2's cold start reuses it with its
 * own hyper-parameters and an initial checkpoint).
 *
 * Next-token loss on the answer tokens only (image prefix and prompt are not scored), averaged
 * over the answer tokens of the batch; AdamW with warmup + cosine; global-norm clipping; batches
 * drawn from one shuffled list of all tasks (so every batch mixes report, VQA and grounding
 * items); validation loss and greedy sample outputs per evaluation; a JSONL run log; a progress
 * bar; a NaN/Inf guard that stops with a clear message and leaves the last good checkpoint.
 * Resumable: the checkpoint holds weights, AdamW moments, step/epoch position and RNG state, and
 * each epoch's order is derived from the seed, so a resumed run equals an uninterrupted one.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config.js';
import { writeResolvedConfig } from '../config.js';
import type { InstructionRecord } from '../data/types.js';
import { hasCheckpoint, loadModel, readCheckpoint, refuseOverwrite, saveCheckpoint, loadWeightsInto } from '../model/checkpoint.js';
import { generate } from '../model/generate.js';
import { targetLogProbs } from '../model/logprobs.js';
import { specFromConfig } from '../model/spec.js';
import { VisionLanguageModel } from '../model/vlm.js';
import { Tokenizer, trainTokenizer } from '../text/tokenizer.js';
import { Progress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { disposeBatch, makeBatch, prepareExamples, type Example, type ExampleSet } from '../model/inputs.js';
import { AdamW, clipByGlobalNorm } from './optim.js';
import { RunLog, type EvalRow, type RunLogRow } from './runlog.js';
import { warmupCosine } from './schedule.js';

export type SftHyper = Config['sft'];

export interface SftOptions {
  /** Resolved config: the model section gives the architecture, `seed` the streams. */
  config: Config;
  /** Hyper-parameters (default: config.sft). */
  hyper?: SftHyper;
  /** Output directory: checkpoint.bin, run.jsonl, config.json, tokenizer.json. */
  out: string;
  train: readonly InstructionRecord[];
  val: readonly InstructionRecord[];
  /** Directory that relative image paths are resolved against. */
  imageRoot: string;
  /** Continue from the checkpoint in `out`. */
  resume?: boolean;
  /** Start from this checkpoint's weights and tokenizer (fresh optimizer), e.g. stage 2 from stage 1. */
  init?: string;
  /** Stage name in logs and checkpoint state (default 'sft'). */
  stage?: string;
  /** Stop (after saving a checkpoint) once this many optimizer steps are done in total. */
  stopAfterSteps?: number;
  quiet?: boolean;
  /** Called with every run-log row as it is written (live plots in notebooks). */
  onLog?: (row: RunLogRow) => void;
}

export interface SftResult {
  model: VisionLanguageModel;
  tokenizer: Tokenizer;
  steps: number;
  totalSteps: number;
  lastLoss: number;
  lastEval: EvalRow | null;
  out: string;
  logPath: string;
  /** True when every planned step ran (false when stopped by stopAfterSteps). */
  complete: boolean;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

interface TrainerState {
  stage: string;
  step: number;
  epoch: number;
  batchInEpoch: number;
  optimizerStep: number;
  rng: number[];
  trainItems: number;
  totalSteps: number;
  complete: boolean;
}

/**
 * One epoch's batches. lengthBucket 0: consecutive slices of one shuffled list of all tasks (fully
 * mixed batches). lengthBucket k > 0: the shuffled list is cut into windows of k batches, each
 * window sorted by length and cut into batches, and the batches shuffled — batches then mix the
 * tasks of similar length and carry less padding (much faster on CPU).
 */
export function epochBatches<T extends { prompt: number[]; answer: number[] }>(items: readonly T[], batchSize: number, lengthBucket: number, rng: Rng): T[][] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`epochBatches: batchSize must be a whole number ≥ 1, got ${batchSize}`);
  const order = rng.shuffle(items);
  const out: T[][] = [];
  if (lengthBucket <= 0) {
    for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
    return out;
  }
  const win = batchSize * lengthBucket;
  for (let w = 0; w < order.length; w += win) {
    const part = order.slice(w, w + win).sort((a, b) => a.prompt.length + a.answer.length - (b.prompt.length + b.answer.length));
    for (let i = 0; i < part.length; i += batchSize) out.push(part.slice(i, i + batchSize));
  }
  return rng.shuffle(out);
}

/** Texts the tokenizer learns from: prompts and answers of the training records. */
export function tokenizerCorpus(records: readonly InstructionRecord[]): string[] {
  return records.flatMap((r) => [r.prompt, r.answer]);
}

/** Mean answer-token negative log-likelihood of a batch (a scalar; differentiable). */
export function answerLoss(model: VisionLanguageModel, b: ReturnType<typeof makeBatch>): tf.Scalar {
  return tf.tidy(() => {
    const lp = targetLogProbs(model.forward(b.pixels, b.tokens), b.targets);
    return tf.div(tf.neg(tf.sum(tf.mul(lp, b.lossMask))), Math.max(1, b.scored)) as tf.Scalar;
  });
}

/** Mean answer-token NLL over examples (no gradient), batched. */
export function validationLoss(model: VisionLanguageModel, set: ExampleSet, examples: readonly Example[], batchSize: number, padId: number): { loss: number; tokens: number } {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const b = makeBatch(examples.slice(i, i + batchSize), set.pixels, model.spec.imageSize, padId);
    const s = tf.tidy(() => tf.neg(tf.sum(tf.mul(targetLogProbs(model.forward(b.pixels, b.tokens), b.targets), b.lossMask))).dataSync()[0]);
    sum += s;
    n += b.scored;
    disposeBatch(b);
  }
  return { loss: n ? sum / n : NaN, tokens: n };
}

export async function trainSft(o: SftOptions): Promise<SftResult> {
  const config = o.config;
  const hp = o.hyper ?? config.sft;
  const stage = o.stage ?? 'sft';
  const say = (l: string) => {
    if (!o.quiet) process.stderr.write(l + '\n');
  };
  if (o.train.length === 0) throw new Error(`${stage}: the training set is empty`);
  if (hp.batchSize < 1 || hp.epochs < 1) throw new Error(`${stage}: batchSize and epochs must be ≥ 1`);

  // Model, tokenizer, optimizer, position.
  let model: VisionLanguageModel;
  let tokenizer: Tokenizer;
  let resumeState: TrainerState | null = null;
  let optimizerValues: Map<string, Float32Array> | null = null;
  refuseOverwrite(o.out, Boolean(o.resume));
  const exists = hasCheckpoint(o.out);
  if (exists && o.resume) {
    const ck = readCheckpoint(o.out);
    tokenizer = Tokenizer.fromJSON(ck.header.tokenizer);
    model = new VisionLanguageModel(ck.header.spec, 0);
    loadWeightsInto(model, ck);
    resumeState = ck.header.state as unknown as TrainerState;
    optimizerValues = ck.values;
    say(`${stage}: resuming from ${o.out} at step ${resumeState.step}`);
  } else if (o.init) {
    ({ model, tokenizer } = loadModel(o.init));
    say(`${stage}: starting from ${o.init}`);
  } else {
    tokenizer = trainTokenizer(tokenizerCorpus(o.train), { vocabSize: config.model.vocabSize, coordBins: config.model.coordBins });
    model = new VisionLanguageModel(specFromConfig(config.model, tokenizer.vocabSize), Rng.derive(config.seed, `${stage}-init`).nextU32());
  }
  const spec = model.spec;

  // Data.
  const prep = { imageSize: spec.imageSize, maxLen: spec.maxLen, overflow: config.model.overflow, imageRoot: o.imageRoot, quiet: o.quiet };
  const trainRecords = hp.maxItems > 0 ? o.train.slice(0, hp.maxItems) : o.train;
  const trainSet = await prepareExamples(trainRecords, tokenizer, { ...prep, label: `${stage} train` });
  const valRecords = hp.valItems > 0 ? o.val.slice(0, hp.valItems) : o.val;
  const valSet = valRecords.length ? await prepareExamples(valRecords, tokenizer, { ...prep, pixels: trainSet.pixels, label: `${stage} validation` }) : null;

  const n = trainSet.examples.length;
  const perEpoch = Math.ceil(n / hp.batchSize);
  const totalSteps = perEpoch * hp.epochs;
  const opt = new AdamW(model.params, model.decayed, { weightDecay: hp.weightDecay });
  if (resumeState) {
    if (resumeState.trainItems !== n || resumeState.totalSteps !== totalSteps) {
      throw new Error(`${o.out}: the checkpoint was trained on ${resumeState.trainItems} items over ${resumeState.totalSteps} steps, this run has ${n} items over ${totalSteps} steps; resume with the same data and settings`);
    }
    opt.restore(resumeState.optimizerStep, optimizerValues!);
  }
  const evalRng = new Rng(config.seed);
  if (resumeState) evalRng.setState(resumeState.rng);
  let step = resumeState?.step ?? 0;
  let epoch = resumeState?.epoch ?? 0;
  let batchInEpoch = resumeState?.batchInEpoch ?? 0;

  writeResolvedConfig(config, o.out);
  const logPath = join(o.out, 'run.jsonl');
  const log = new RunLog(logPath, resumeState ? step : undefined);
  const emit = (row: RunLogRow) => {
    log.append(row);
    o.onLog?.(row);
  };
  if (!resumeState) emit({ kind: 'info', stage, step: 0, message: 'start', params: model.variables.reduce((a, v) => a + v.size, 0), trainItems: n, valItems: valSet?.examples.length ?? 0, totalSteps, spec });

  const varNames = new Map<string, string>();
  for (const [name, v] of model.params) varNames.set(v.name, name);

  const state = (complete: boolean): TrainerState => ({ stage, step, epoch, batchInEpoch, optimizerStep: opt.step, rng: evalRng.getState(), trainItems: n, totalSteps, complete });
  const save = (complete: boolean) => saveCheckpoint(o.out, { model, tokenizer, config, state: { ...state(complete) }, extra: opt.stateTensors() });

  let lastEval: EvalRow | null = null;
  const evaluate = () => {
    if (!valSet) return;
    const { loss, tokens } = validationLoss(model, valSet, valSet.examples, hp.batchSize, tokenizer.padId);
    const picks = valSet.examples.slice(0, hp.evalSamples);
    const gens = picks.length
      ? generate(
          model,
          tokenizer,
          picks.map((e) => ({ pixels: valSet.pixels.get(e.image)!, prompt: e.prompt })),
          { maxNewTokens: Math.min(160, spec.maxLen), rng: evalRng, boxGrammar: config.model.boxGrammar },
        )
      : [];
    const byId = new Map(valRecords.map((r) => [r.id, r]));
    lastEval = {
      kind: 'eval',
      stage,
      step,
      epoch,
      valLoss: loss,
      valTokens: tokens,
      samples: picks.map((e, i) => ({ id: e.id, task: e.task, prompt: byId.get(e.id)!.prompt, truth: byId.get(e.id)!.answer, output: gens[i].text })),
    };
    emit(lastEval);
    say(`${stage}: step ${step} epoch ${epoch} validation loss ${loss.toFixed(4)}`);
  };

  const bar = new Progress({ label: stage, total: totalSteps, quiet: o.quiet });
  if (step) bar.tick(step);
  let lastLoss = NaN;
  const t0 = Date.now();
  try {
    while (epoch < hp.epochs) {
      const batches = epochBatches(trainSet.examples, hp.batchSize, hp.lengthBucket, Rng.derive(config.seed, `${stage}-order-${epoch}`));
      while (batchInEpoch < perEpoch) {
        if (o.stopAfterSteps !== undefined && step >= o.stopAfterSteps) {
          save(false);
          bar.finish(`stopped at step ${step}`);
          return { model, tokenizer, steps: step, totalSteps, lastLoss, lastEval, out: o.out, logPath, complete: false };
        }
        const ts = Date.now();
        const items = batches[batchInEpoch];
        const lr = warmupCosine(step, { peak: hp.lr, warmupSteps: hp.warmupSteps, totalSteps, minFrac: hp.minLrFrac });
        const batch = makeBatch(items, trainSet.pixels, spec.imageSize, tokenizer.padId);
        const { value, grads } = tf.variableGrads(() => answerLoss(model, batch), model.variables);
        const loss = value.dataSync()[0];
        value.dispose();
        const named = new Map<string, tf.Tensor>();
        for (const [vn, g] of Object.entries(grads)) named.set(varNames.get(vn)!, g);
        const clipped = clipByGlobalNorm(named, hp.clipNorm);
        if (!Number.isFinite(loss) || !Number.isFinite(clipped.norm)) {
          tf.dispose([...clipped.grads.values()]);
          disposeBatch(batch);
          const msg = `${stage}: non-finite ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} (loss ${loss}, grad norm ${clipped.norm}) at step ${step + 1}, epoch ${epoch}; stopped without updating. The last good checkpoint in ${o.out} is kept${hasCheckpoint(o.out) ? '' : ' (none was saved yet)'}. Try a lower sft.lr or a smaller sft.clipNorm.`;
          emit({ kind: 'info', stage, step, message: msg });
          throw new NonFiniteLossError(msg);
        }
        opt.apply(clipped.grads, lr);
        tf.dispose([...clipped.grads.values()]);
        const tokensIn = batch.tokensIn;
        disposeBatch(batch);
        step++;
        batchInEpoch++;
        lastLoss = loss;
        const secs = (Date.now() - ts) / 1000;
        emit({ kind: 'step', stage, step, epoch, loss, lr, gradNorm: clipped.norm, tokensPerSec: tokensIn / Math.max(secs, 1e-6), seconds: (Date.now() - t0) / 1000 });
        bar.tick(1, `loss ${loss.toFixed(3)} lr ${lr.toExponential(1)}`);
        const endOfEpoch = batchInEpoch === perEpoch;
        if (endOfEpoch) {
          epoch++;
          batchInEpoch = 0;
          evaluate();
        } else if (hp.evalEvery > 0 && step % hp.evalEvery === 0) evaluate();
        if (hp.saveEvery > 0 ? step % hp.saveEvery === 0 : endOfEpoch) save(step === totalSteps);
        if (endOfEpoch) break;
      }
    }
    save(true);
    bar.finish(`done, loss ${lastLoss.toFixed(3)}`);
  } finally {
    opt.dispose();
  }
  return { model, tokenizer, steps: step, totalSteps, lastLoss, lastEval, out: o.out, logPath, complete: true };
}
