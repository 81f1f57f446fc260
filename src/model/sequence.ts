/**
 * How text becomes the decoder's token sequence, and batches of it as tensors.
 *
 *   [BOS] prompt [ASSISTANT] answer [EOS]
 *
 * The model is conditioned on everything up to and including ASSISTANT and writes the answer and
 * EOS. Prompt-side batches (generation, log-probs of given responses) are LEFT-padded so every
 * row's response starts in the same column; positions count from 0 at each row's BOS, so padding
 * never changes what a row sees. Pad keys are masked.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tokenizer } from '../text/tokenizer.js';

export const NEG_INF = -1e9;

/** The conditioning ids: BOS, the prompt, ASSISTANT. */
export function promptIds(tok: Tokenizer, prompt: string): number[] {
  return [tok.bosId, ...tok.encode(prompt), tok.assistantId];
}

/** Answer ids as the model writes them: the answer followed by EOS. */
export function answerIds(tok: Tokenizer, answer: string): number[] {
  return [...tok.encode(answer), tok.eosId];
}

/** A left-padded batch of id rows. */
export interface LeftPadded {
  /** int32 [B, L]. */
  tokens: tf.Tensor2D;
  /** int32 [B, L]: 0 at each row's first real token, 0 on pads. */
  posIds: tf.Tensor2D;
  /** additive [B, 1, 1, L]: NEG_INF on pad columns, 0 elsewhere. */
  keyMask: tf.Tensor4D;
  /** Pads on the left of each row. */
  pads: number[];
  width: number;
}

/** Left-pad rows of ids to a common width (the longest row, or `width`). */
export function leftPad(rows: readonly number[][], padId: number, width?: number): LeftPadded {
  const L = width ?? Math.max(...rows.map((r) => r.length));
  const B = rows.length;
  const tokens = new Int32Array(B * L).fill(padId);
  const pos = new Int32Array(B * L);
  const mask = new Float32Array(B * L);
  const pads: number[] = [];
  rows.forEach((r, b) => {
    if (r.length > L) throw new Error(`leftPad: row ${b} has ${r.length} ids, more than the width ${L}`);
    const pad = L - r.length;
    pads.push(pad);
    for (let j = 0; j < L; j++) {
      if (j < pad) mask[b * L + j] = NEG_INF;
      else {
        tokens[b * L + j] = r[j - pad];
        pos[b * L + j] = j - pad;
      }
    }
  });
  return {
    tokens: tf.tensor2d(tokens, [B, L], 'int32'),
    posIds: tf.tensor2d(pos, [B, L], 'int32'),
    keyMask: tf.tensor4d(mask, [B, 1, 1, L]),
    pads,
    width: L,
  };
}

export function disposeLeftPadded(x: LeftPadded): void {
  x.tokens.dispose();
  x.posIds.dispose();
  x.keyMask.dispose();
}
