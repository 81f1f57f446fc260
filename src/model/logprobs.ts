/**
 * Differentiable per-token log-probabilities of given responses (what GRPO's ratio and KL use),
 * and the per-token target log-probs both SFT and GRPO build on.
 */
import * as tf from '@tensorflow/tfjs';
import { boxGrammarMaskRows, boxStateAfter, nextBoxState } from '../text/box-grammar.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { hasFusedKernels, runKernel } from './layers.js';
import { disposeLeftPadded, leftPad, NEG_INF } from './sequence.js';
import type { VisionLanguageModel } from './vlm.js';

/**
 * log softmax(logits / temperature)[target] for each row of logits [N, V] and int32 targets [N]
 * -> [N] (a target outside [0, V) picks 0: −logsumexp). One fused kernel each way where the
 * workbench's kernels are registered (the answer-token cross-entropy's whole forward and backward);
 * elsewhere logit − logsumexp with a one-hot pick (no gather gradient needed).
 */
export function targetLogProbs(logits: tf.Tensor2D, targets: tf.Tensor1D, temperature = 1): tf.Tensor1D {
  const fits = logits.rank === 2 && logits.dtype === 'float32' && targets.dtype === 'int32' && targets.rank === 1 && targets.shape[0] === logits.shape[0];
  if (hasFusedKernels() && fits && temperature > 0 && Number.isFinite(temperature) && logits.shape[1] > 0) return targetLogProbsFused(logits, targets, temperature);
  return targetLogProbsStock(logits, targets, temperature);
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

function targetLogProbsFused(logits: tf.Tensor2D, targets: tf.Tensor1D, temperature: number): tf.Tensor1D {
  const attrs = { temperature };
  const f = tf.customGrad(((logits: tf.Tensor2D, targets: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [logp, lse] = runKernel<tf.Tensor[]>('DmxLogSoftmaxPick', { logits, targets }, attrs);
    save([logits, targets, lse]);
    return {
      value: logp,
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [sl, st, sz] = saved;
        return [runKernel<tf.Tensor>('DmxLogSoftmaxPickGrad', { logits: sl, targets: st, lse: sz, dy }, attrs), tf.zerosLike(st)];
      },
    };
  }) as unknown as CustomGradientFunc) as unknown as (l: tf.Tensor2D, t: tf.Tensor1D) => tf.Tensor1D;
  return f(logits, targets);
}

/** targetLogProbs composed from stock ops (the reference the fused kernel is tested against). */
export function targetLogProbsStock(logits: tf.Tensor2D, targets: tf.Tensor1D, temperature = 1): tf.Tensor1D {
  const z = temperature === 1 ? logits : tf.div(logits, temperature);
  const lse = tf.logSumExp(z, 1);
  const picked = tf.sum(tf.mul(z, tf.oneHot(targets, logits.shape[1])), 1);
  return tf.sub(picked, lse) as tf.Tensor1D;
}

export interface ResponseLogProbs {
  /** [B, R]: log-prob of responses[b][j] at column j (0 past the end of a response). */
  logProbs: tf.Tensor2D;
  /** [B, R]: 1 where column j is a real response token, else 0. */
  mask: tf.Tensor2D;
}

/**
 * Per-token log-probabilities of `responses` (ids as `generate` returns them, EOS included when
 * present) given images and prompts (`promptIds`), under softmax(logits / temperature).
 * Differentiable with respect to the model's variables: call inside tf.variableGrads / tf.tidy.
 * The caller owns (disposes) the returned tensors.
 *
 * pixels: [B, S, S] tensor. Rows are laid out [pads, prompt, response, pads] with every response
 * starting in the same column, so the result is a slice of the teacher-forced log-probs.
 *
 * `boxGrammar`: the tokenizer whose box grammar constrained the sampling (generate's `boxGrammar`);
 * the log-probs are then those of the same constrained, renormalized distribution.
 */
export function responseLogProbs(
  model: VisionLanguageModel,
  pixels: tf.Tensor3D,
  prompts: readonly number[][],
  responses: readonly number[][],
  temperature = 1,
  boxGrammar?: Tokenizer,
): ResponseLogProbs {
  const B = prompts.length;
  if (responses.length !== B || pixels.shape[0] !== B) throw new Error(`responseLogProbs: ${B} prompts, ${responses.length} responses, ${pixels.shape[0]} images`);
  const Lp = Math.max(...prompts.map((p) => p.length));
  const R = Math.max(1, ...responses.map((r) => r.length));
  const width = Lp + R - 1; // the last response token is a target only, never an input
  if (width > model.spec.maxLen) throw new Error(`responseLogProbs: prompt ${Lp} + response ${R} tokens exceed maxLen ${model.spec.maxLen}`);
  // Input row: left-padded prompt, then the response without its last token, then right pads.
  const pad = 0;
  const inputs = prompts.map((p, b) => {
    const resp = responses[b];
    const body = [...p, ...resp.slice(0, Math.max(0, resp.length - 1))];
    return [...Array(Lp - p.length).fill(pad), ...body, ...Array(width - (Lp - p.length) - body.length).fill(pad)];
  });
  // leftPad with explicit widths: we built the full rows, so compute positions/mask from the prompt pads.
  const lp = leftPad(
    prompts.map((p, b) => inputs[b].slice(Lp - p.length)),
    pad,
    width,
  );
  const targets = new Int32Array(B * R);
  const mask = new Float32Array(B * R);
  responses.forEach((r, b) => r.forEach((id, j) => ((targets[b * R + j] = id), (mask[b * R + j] = 1))));
  // Grammar row per response column: 1 inside an open box, else 0 (past the end: 0, masked anyway).
  const inBox = new Int32Array(B * R);
  if (boxGrammar) {
    responses.forEach((r, b) => {
      let st = boxStateAfter(boxGrammar, prompts[b]);
      r.forEach((id, j) => {
        inBox[b * R + j] = st > 0 ? 1 : 0;
        st = nextBoxState(boxGrammar, st, id);
      });
    });
  }
  try {
    return tf.tidy(() => {
      const logits = model.forward(pixels, lp.tokens, { posIds: lp.posIds, keyMask: lp.keyMask });
      // Response column j is predicted at input column Lp − 1 + j.
      const V = model.spec.vocabSize;
      let rows = tf.reshape(tf.slice(tf.reshape(logits, [B, width, V]), [0, Lp - 1, 0], [B, R, V]), [B * R, V]) as tf.Tensor2D;
      if (boxGrammar) {
        if (boxGrammar.vocabSize !== V) throw new Error(`responseLogProbs: tokenizer vocabulary ${boxGrammar.vocabSize} differs from the model's ${V}`);
        const maskRows = tf.tensor2d(boxGrammarMaskRows(boxGrammar, NEG_INF), [2, V]);
        rows = tf.add(rows, tf.gather(maskRows, tf.tensor1d(inBox, 'int32'))) as tf.Tensor2D;
      }
      const lpTok = targetLogProbs(rows, tf.tensor1d(targets, 'int32'), temperature);
      const m = tf.tensor2d(mask, [B, R]);
      return { logProbs: tf.mul(tf.reshape(lpTok, [B, R]), m) as tf.Tensor2D, mask: m };
    });
  } finally {
    disposeLeftPadded(lp);
  }
}
