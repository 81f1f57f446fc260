/**
 * Batched, KV-cached generation with greedy, temperature and top-p sampling, G samples per
 * prompt, stop on EOS, and the log-probability of every generated token.
 *
 * Log-prob convention: the log-probability of the chosen token under softmax(logits / T) for
 * temperature T > 0 (the distribution before the top-p cut), and under softmax(logits) for greedy
 * decoding (temperature 0). `responseLogProbs` (logprobs.ts) with the same temperature gives the
 * same numbers, differentiably.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { boxStateAfter, maskBoxGrammar, nextBoxState } from '../text/box-grammar.js';
import { disposeLeftPadded, leftPad, NEG_INF } from './sequence.js';
import type { KvCache } from './attention.js';
import type { VisionLanguageModel } from './vlm.js';

export interface GenerateOptions {
  /** Tokens to write at most (also limited by the model's maxLen). */
  maxNewTokens: number;
  /** 0 = greedy (default); > 0 samples from softmax(logits / temperature). */
  temperature?: number;
  /** Nucleus: sample from the smallest set of tokens whose probability reaches topP (default 1). */
  topP?: number;
  /** G: samples per prompt (default 1). Rows come out prompt-major: prompt 0's G samples first. */
  samplesPerPrompt?: number;
  /** Seed or generator for sampling (a generator is advanced in place: resumable). */
  rng?: Rng | number;
  /** Use the KV cache (default true); false recomputes the whole sequence each step (for tests). */
  useCache?: boolean;
  /** Prompts run together at most (default: all). */
  batchSize?: number;
  /**
   * Constrain sampling to the tokenizer's box grammar (src/text/box-grammar.ts; default false).
   * Log-probs are then those of the constrained distribution: pass the tokenizer to
   * `responseLogProbs` for the same numbers.
   */
  boxGrammar?: boolean;
}

export interface GenerationInput {
  /** Greyscale pixels, imageSize², row-major in [0, 1]. */
  pixels: Float32Array;
  /** Conditioning ids (`promptIds`: BOS, prompt, ASSISTANT). */
  prompt: number[];
}

export interface Generation {
  promptIndex: number;
  sample: number;
  /** Generated ids, including the EOS when the row stopped on it. */
  tokens: number[];
  /** Log-probability of each generated token (see the convention above). */
  logProbs: number[];
  /** Decoded text of the generated ids (EOS not included). */
  text: string;
  /** True when the row stopped on EOS, false when it ran out of tokens. */
  stopped: boolean;
}

/** Generate for every input; returns inputs.length × G rows, prompt-major. */
export function generate(model: VisionLanguageModel, tok: Tokenizer, inputs: readonly GenerationInput[], opts: GenerateOptions): Generation[] {
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? 1);
  const chunk = Math.max(1, opts.batchSize ?? inputs.length);
  const out: Generation[] = [];
  for (let s = 0; s < inputs.length; s += chunk) {
    for (const g of generateBatch(model, tok, inputs.slice(s, s + chunk), opts, rng)) out.push({ ...g, promptIndex: g.promptIndex + s });
  }
  return out;
}

function generateBatch(model: VisionLanguageModel, tok: Tokenizer, inputs: readonly GenerationInput[], opts: GenerateOptions, rng: Rng): Generation[] {
  const G = Math.max(1, opts.samplesPerPrompt ?? 1);
  const temperature = opts.temperature ?? 0;
  const topP = opts.topP ?? 1;
  const { imageSize: S, maxLen, vocabSize: V } = model.spec;
  const N = inputs.length;
  const BG = N * G;
  if (N === 0) return [];
  const rows: number[][] = [];
  for (const inp of inputs) {
    if (inp.pixels.length !== S * S) throw new Error(`generate: image has ${inp.pixels.length} pixels, the model expects ${S}×${S}`);
    if (inp.prompt.length >= maxLen) throw new Error(`generate: prompt of ${inp.prompt.length} tokens leaves no room within maxLen ${maxLen}`);
    for (let g = 0; g < G; g++) rows.push(inp.prompt);
  }
  const longest = Math.max(...rows.map((r) => r.length));
  const steps = Math.min(opts.maxNewTokens, maxLen - longest);
  const useCache = opts.useCache ?? true;

  const pix = new Float32Array(N * S * S);
  inputs.forEach((inp, i) => pix.set(inp.pixels, i * S * S));
  const prefix = tf.tidy(() => {
    const p = model.encodeImages(tf.tensor3d(pix, [N, S, S]));
    return G === 1 ? p : tf.gather(p, tf.tensor1d(rows.map((_, r) => Math.floor(r / G)), 'int32'));
  });
  const lp = leftPad(rows, tok.padId);
  const gen: number[][] = rows.map(() => []);
  const logps: number[][] = rows.map(() => []);
  const done: boolean[] = rows.map(() => false);
  const realLen = rows.map((r) => r.length);
  const boxState = opts.boxGrammar ? rows.map((r) => boxStateAfter(tok, r)) : null;

  // Cached decoding: keys/values of every position so far live in a cache sized for the whole
  // run; the additive key mask of all those positions (pads of the left-padded prompts) is built
  // once, and each step's attention reads its first columns.
  const P = model.numPrefix;
  const cache: KvCache | null = useCache ? model.newCache(BG, P + lp.width + steps) : null;
  const keyMask = useCache ? tf.tidy(() => tf.pad(model.prefixKeyMask(lp.keyMask), [[0, 0], [0, 0], [0, 0], [0, steps]])) : null; // [BG,1,1,P+Lp+steps]
  try {
    for (let s = 0; s < steps && done.some((d) => !d); s++) {
      let logits: Float32Array;
      if (cache && keyMask) {
        const r = tf.tidy(() => {
          if (s === 0) {
            const x = tf.concat([prefix, model.embedText(lp.tokens, lp.posIds)], 1) as tf.Tensor3D;
            const n = x.shape[1];
            const mask = tf.add(model.prefixCausalMask(lp.width), tf.slice(keyMask, [0, 0, 0, 0], [BG, 1, 1, n]));
            const hidden = model.decode(x, mask, cache);
            const last = tf.reshape(tf.slice(tf.reshape(hidden, [BG, n, -1]), [0, n - 1, 0], [BG, 1, -1]), [BG, -1]) as tf.Tensor2D;
            return model.logits(last);
          }
          const ids = tf.tensor2d(rows.map((_, b) => lastToken(gen[b], tok.padId)), [BG, 1], 'int32');
          const pos = tf.tensor2d(rows.map((_, b) => realLen[b] + s - 1), [BG, 1], 'int32');
          return model.logits(model.decode(model.embedText(ids, pos), keyMask, cache));
        });
        logits = r.dataSync() as Float32Array;
        r.dispose();
      } else {
        // Finished rows keep being fed pad ids on the right, exactly as in the cached path.
        const width = longest + s;
        const lpx = leftPad(rows.map((r, b) => [...r, ...gen[b]]), tok.padId, width);
        const t = tf.tidy(() => {
          const x = tf.concat([prefix, model.embedText(lpx.tokens, lpx.posIds)], 1) as tf.Tensor3D;
          const mask = tf.add(model.prefixCausalMask(width), model.prefixKeyMask(lpx.keyMask));
          const hidden = model.decode(x, mask, null);
          const last = tf.reshape(tf.slice(tf.reshape(hidden, [BG, x.shape[1], -1]), [0, x.shape[1] - 1, 0], [BG, 1, -1]), [BG, -1]) as tf.Tensor2D;
          return model.logits(last);
        });
        disposeLeftPadded(lpx);
        logits = t.dataSync() as Float32Array;
        t.dispose();
      }
      for (let b = 0; b < BG; b++) {
        if (done[b]) {
          gen[b].push(tok.padId); // keeps every row the same length; trimmed below
          continue;
        }
        let row = logits.subarray(b * V, (b + 1) * V);
        if (boxState) {
          row = Float32Array.from(row);
          maskBoxGrammar(tok, boxState[b], row);
        }
        const { id, logp } = pick(row, temperature, topP, rng);
        if (boxState) boxState[b] = nextBoxState(tok, boxState[b], id);
        gen[b].push(id);
        logps[b].push(logp);
        if (id === tok.eosId) done[b] = true;
      }
    }
  } finally {
    cache?.dispose();
    keyMask?.dispose();
    prefix.dispose();
    disposeLeftPadded(lp);
  }
  return rows.map((_, b) => {
    const tokens = gen[b].slice(0, logps[b].length);
    const stopped = tokens[tokens.length - 1] === tok.eosId;
    return {
      promptIndex: Math.floor(b / G),
      sample: b % G,
      tokens,
      logProbs: logps[b],
      text: tok.decode(stopped ? tokens.slice(0, -1) : tokens),
      stopped,
    };
  });
}

function lastToken(ids: number[], pad: number): number {
  return ids.length ? ids[ids.length - 1] : pad;
}

/** Choose a token from one row of logits; returns it and its log-probability (see convention). */
export function pick(logits: Float32Array, temperature: number, topP: number, rng: Rng): { id: number; logp: number } {
  const V = logits.length;
  const t = temperature > 0 ? temperature : 1;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] / t > max) max = logits[i] / t;
  let sum = 0;
  const p = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    p[i] = Math.exp(logits[i] / t - max);
    sum += p[i];
  }
  const logZ = max + Math.log(sum);
  let id = 0;
  if (temperature <= 0) {
    for (let i = 1; i < V; i++) if (logits[i] > logits[id]) id = i;
  } else {
    let order: number[] | null = null;
    let mass = sum;
    if (topP < 1) {
      order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
      let acc = 0;
      let keep = 0;
      while (keep < V && acc < topP * sum) acc += p[order[keep++]];
      order = order.slice(0, Math.max(1, keep));
      mass = acc;
    }
    let r = rng.next() * mass;
    const cands = order ?? null;
    const n = cands ? cands.length : V;
    id = -1;
    for (let k = 0; k < n; k++) {
      const i = cands ? cands[k] : k;
      if (p[i] > 0) id = i; // rounding fallback: the last candidate with mass (never a masked one)
      r -= p[i];
      if (r < 0) {
        id = i;
        break;
      }
    }
  }
  return { id, logp: logits[id] / t - logZ };
}

export { NEG_INF };
