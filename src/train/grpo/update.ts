/**
 * GRPO's update phase: from a scored rollout, the policy-gradient updates on the clipped surrogate
 * − β·KL (src/train/grpo/math.ts), as EasyR1 makes them: the rollout batch is split into
 * `miniBatches` groups of prompts, one optimizer step each, and the whole pass is repeated `mu`
 * times (EasyR1's ppo_epochs). Every update recomputes log π_θ and keeps the rollout's log π_old, so
 * from the second optimizer step of a batch on the ratio π_θ/π_old leaves 1 and the clip acts.
 *
 * Within a mini-batch, responses go through the backward pass in chunks of at most `updateBatch`
 * (memory: the pass holds every chunk row's activations), their gradients summed; each chunk's loss
 * is weighted by its share of the mini-batch (tokens for 'token', responses for 'sequence'), so the
 * sum is the mini-batch's loss and the update equals one pass over it, up to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { isVisionParam } from '../../model/spec.js';
import { clipByGlobalNorm, type AdamW } from '../optim.js';
import { grpoPolicyLoss, type LossAggregation } from './math.js';
import type { GrpoPolicy } from './policy.js';
import type { ScoredRollout } from './scoring.js';

export interface UpdateOptions {
  clipLow: number;
  clipHigh: number;
  beta: number;
  lossAgg: LossAggregation;
  /** Optional clamp of per-token k3. */
  klClamp?: number;
  /** Sampling temperature (the log-probs are taken at it). */
  temperature: number;
  /** Responses per backward pass (0: a whole mini-batch at once). */
  updateBatch: number;
  /** Passes over the rollout batch (EasyR1's ppo_epochs). */
  mu: number;
  /** Optimizer steps per pass: the batch's prompt groups are split into this many mini-batches. */
  miniBatches: number;
  lr: number;
  /** Global-norm gradient clip (0: none). */
  clipNorm: number;
}

export interface UpdateStats {
  /** The first optimizer step's loss, and its surrogate part (the objective, to be maximized). */
  loss: number;
  surrogate: number;
  /** Mean k3 KL to the reference over response tokens, first step; null when β = 0. */
  kl: number | null;
  /** Fraction of response tokens with the clipped term active, averaged over the optimizer steps. */
  clipFraction: number;
  /** Mean ratio π_θ/π_old over response tokens, last optimizer step. */
  ratioMean: number;
  /** Global gradient norm before clipping, first optimizer step. */
  gradNorm: number;
  /** AdamW steps taken (mu × mini-batches). */
  optimizerSteps: number;
  seconds: number;
}

/** What the updates change: the policy's weights, or the decoder's alone (EasyR1's freeze_vision_tower). */
export function trainableParams(policy: GrpoPolicy, freezeVision: boolean): Map<string, tf.Variable> {
  const out = freezeVision ? new Map([...policy.params].filter(([name]) => !isVisionParam(name))) : policy.params;
  if (out.size === 0) throw new Error('grpo: no trainable parameters (freezeVision leaves none)');
  return out;
}

/** Pad rows of numbers to [N, R] (0 past each row's end). */
function padRows(rows: readonly number[][], R: number): Float32Array {
  const out = new Float32Array(rows.length * R);
  rows.forEach((r, i) => out.set(r.slice(0, R), i * R));
  return out;
}

interface Chunk {
  rows: number[];
  oldLp: tf.Tensor2D;
  mask: tf.Tensor2D;
  adv: tf.Tensor1D;
  refLp?: tf.Tensor2D;
  /** Share of the mini-batch's loss (tokens or responses). */
  lossWeight: number;
  /** Share of the mini-batch's tokens (for the diagnostics). */
  tokenWeight: number;
}

/** Mini-batches of response rows: the prompt groups split into `k` consecutive, near-equal parts. */
export function miniBatchRows(nPrompts: number, groupSize: number, k: number): number[][] {
  const parts = Math.max(1, Math.min(k, nPrompts));
  const out: number[][] = [];
  for (let m = 0; m < parts; m++) {
    const [a, b] = [Math.round((m * nPrompts) / parts), Math.round(((m + 1) * nPrompts) / parts)];
    out.push(Array.from({ length: (b - a) * groupSize }, (_, i) => a * groupSize + i));
  }
  return out;
}

/**
 * Chunks of at most `size` rows (0: no limit) whose prompts and responses fit one left-padded
 * sequence: the longest prompt plus the longest response of a chunk must fit the model's context
 * (rows from one rollout always do; rows from several rollouts, e.g. under dynamic sampling, may not).
 */
export function fittingChunks(rows: readonly number[], size: number, promptLen: (k: number) => number, responseLen: (k: number) => number, maxLen = Infinity): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let [lp, r] = [0, 0];
  for (const k of rows) {
    const [lp2, r2] = [Math.max(lp, promptLen(k)), Math.max(r, responseLen(k))];
    if (cur.length && ((size > 0 && cur.length >= size) || lp2 + r2 - 1 > maxLen)) {
      out.push(cur);
      [cur, lp, r] = [[], 0, 0];
    }
    cur.push(k);
    [lp, r] = [Math.max(lp, promptLen(k)), Math.max(r, responseLen(k))];
  }
  if (cur.length) out.push(cur);
  return out;
}

function makeChunks(batch: ScoredRollout, rows: number[], policy: GrpoPolicy, reference: GrpoPolicy | null, o: UpdateOptions): Chunk[] {
  const tokensOf = (k: number) => batch.responses[k].tokens;
  const total = Math.max(1, rows.reduce((a, k) => a + tokensOf(k).length, 0));
  const promptLen = (k: number) => batch.prompts[batch.responses[k].promptIndex].prompt.length;
  return fittingChunks(rows, o.updateBatch, promptLen, (k) => tokensOf(k).length, policy.maxLen).map((part) => {
    const toks = part.map(tokensOf);
    const R = Math.max(1, ...toks.map((t) => t.length));
    const chunkTokens = toks.reduce((x, t) => x + t.length, 0);
    const prompts = part.map((k) => batch.prompts[batch.responses[k].promptIndex]);
    return {
      rows: part,
      oldLp: tf.tensor2d(padRows(part.map((k) => batch.responses[k].logProbs), R), [part.length, R]),
      mask: tf.tensor2d(padRows(toks.map((t) => t.map(() => 1)), R), [part.length, R]),
      adv: tf.tensor1d(part.map((k) => batch.advantages[k])),
      refLp: o.beta > 0 && reference ? tf.tidy(() => reference.responseLogProbs(prompts, toks, o.temperature).logProbs) : undefined,
      lossWeight: o.lossAgg === 'token' ? chunkTokens / total : part.length / rows.length,
      tokenWeight: chunkTokens / total,
    };
  });
}

/** One optimizer step over a mini-batch's chunks; returns its loss and diagnostics. */
function optimizerStep(
  policy: GrpoPolicy,
  chunks: readonly Chunk[],
  batch: ScoredRollout,
  trainable: Map<string, tf.Variable>,
  optimizer: AdamW,
  o: UpdateOptions,
): { loss: number; surrogate: number; kl: number; clip: number; ratio: number; gradNorm: number } {
  const paramOf = new Map([...policy.params].map(([name, v]) => [v.name, name]));
  const summed = new Map<string, tf.Tensor>();
  const stats = { loss: 0, surrogate: 0, kl: 0, clip: 0, ratio: 0, gradNorm: 0 };
  for (const ch of chunks) {
    let diag: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const prompts = ch.rows.map((k) => batch.prompts[batch.responses[k].promptIndex]);
      const { logProbs } = policy.responseLogProbs(prompts, ch.rows.map((k) => batch.responses[k].tokens), o.temperature);
      const out = grpoPolicyLoss(
        { logProbs, oldLogProbs: ch.oldLp, refLogProbs: ch.refLp, advantages: ch.adv, mask: ch.mask },
        { clipLow: o.clipLow, clipHigh: o.clipHigh, beta: o.beta, agg: o.lossAgg, klClamp: o.klClamp },
      );
      diag = [tf.keep(out.kl), tf.keep(out.clipFraction), tf.keep(out.ratioMean), tf.keep(out.surrogate)];
      return (chunks.length === 1 ? out.loss : tf.mul(out.loss, ch.lossWeight)) as tf.Scalar;
    }, [...trainable.values()]);
    const [klV, cfV, rmV, surV] = diag.map((t) => t.dataSync()[0]);
    tf.dispose(diag);
    stats.loss += value.dataSync()[0];
    stats.surrogate += chunks.length === 1 ? surV : surV * ch.lossWeight;
    stats.kl += klV * ch.tokenWeight;
    stats.clip += cfV * ch.tokenWeight;
    stats.ratio += rmV * ch.tokenWeight;
    value.dispose();
    for (const [vname, g] of Object.entries(grads)) {
      const name = paramOf.get(vname) ?? vname;
      const prev = summed.get(name);
      if (prev) {
        summed.set(name, tf.add(prev, g));
        tf.dispose([prev, g]);
      } else summed.set(name, g);
    }
  }
  const clipped = clipByGlobalNorm(summed, o.clipNorm);
  stats.gradNorm = clipped.norm;
  if (!Number.isFinite(clipped.norm)) {
    tf.dispose([...clipped.grads.values()]);
    throw new Error(`gradient norm is ${clipped.norm}; stopping before the weights are damaged (the last checkpoint is intact)`);
  }
  optimizer.apply(clipped.grads, o.lr);
  tf.dispose([...clipped.grads.values()]);
  return stats;
}

/** The updates of one GRPO step (mu passes × miniBatches optimizer steps). */
export function policyUpdate(
  policy: GrpoPolicy,
  reference: GrpoPolicy | null,
  batch: ScoredRollout,
  trainable: Map<string, tf.Variable>,
  optimizer: AdamW,
  o: UpdateOptions,
): UpdateStats {
  const t0 = performance.now();
  const parts = miniBatchRows(batch.prompts.length, batch.groupSize, o.miniBatches).map((rows) => makeChunks(batch, rows, policy, reference, o));
  const out: UpdateStats = { loss: 0, surrogate: 0, kl: null, clipFraction: 0, ratioMean: 1, gradNorm: 0, optimizerSteps: 0, seconds: 0 };
  let clipSum = 0;
  try {
    for (let k = 0; k < o.mu; k++) {
      for (const chunks of parts) {
        const s = optimizerStep(policy, chunks, batch, trainable, optimizer, o);
        if (out.optimizerSteps === 0) {
          out.loss = s.loss;
          out.surrogate = s.surrogate;
          out.kl = o.beta > 0 ? s.kl : null;
          out.gradNorm = s.gradNorm;
        }
        clipSum += s.clip;
        out.ratioMean = s.ratio;
        out.optimizerSteps++;
      }
    }
  } finally {
    for (const chunks of parts) for (const ch of chunks) tf.dispose([ch.oldLp, ch.mask, ch.adv, ...(ch.refLp ? [ch.refLp] : [])]);
  }
  out.clipFraction = out.optimizerSteps ? clipSum / out.optimizerSteps : 0;
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
