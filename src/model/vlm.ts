/**
 * The miniature vision-language model: a ViT-style image encoder whose patch features are
 * projected into the prefix of a pre-norm causal transformer decoder.
 *
 *   pixels [B, S, S] -> patches [B, P, p·p] -> linear + position -> encoder blocks (bidirectional)
 *   -> LayerNorm -> projection = visual prefix [B, P, d]
 *   [prefix ; token + position embeddings] -> decoder blocks (prefix keys visible to every query,
 *   text keys causal) -> LayerNorm -> head -> logits over the vocabulary
 *
 * Text positions count from 0 at the first text token (BOS), whatever the prefix length, and are
 * given per row, so left-padded generation batches and right-padded training batches see the same
 * positions. Parameters are tf.Variables created from a seeded generator (same seed, same weights).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng.js';
import { KvCache, selfAttention, type BlockWeights } from './attention.js';
import { embed, gelu, layerNorm, linear } from './layers.js';
import { normalizeSpec, numPatches, numPrefix, paramShapes, validateSpec, type ModelSpec } from './spec.js';

const NEG = -1e9;

export class VisionLanguageModel {
  readonly spec: Required<ModelSpec>;
  readonly params = new Map<string, tf.Variable>();
  /** Names of the parameters AdamW decays. */
  readonly decayed = new Set<string>();
  private causal: tf.Tensor2D | null = null;

  constructor(spec: ModelSpec, seed = 1) {
    validateSpec(spec);
    this.spec = normalizeSpec(spec);
    const rng = Rng.derive(seed, 'model-init');
    for (const p of paramShapes(spec)) {
      const size = p.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (p.init.kind === 'ones') values.fill(1);
      else if (p.init.kind === 'normal') for (let i = 0; i < size; i++) values[i] = rng.normal(0, p.init.std);
      this.params.set(p.name, tf.tidy(() => tf.variable(tf.tensor(values, p.shape), true)));
      if (p.decay) this.decayed.add(p.name);
    }
  }

  get variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** Tokens of the visual prefix the decoder sees. */
  get numPrefix(): number {
    return numPrefix(this.spec);
  }

  p<R extends tf.Rank>(name: string): tf.Tensor<R> {
    const v = this.params.get(name);
    if (!v) throw new Error(`model: no parameter '${name}'`);
    return v as unknown as tf.Tensor<R>;
  }

  /** Free the weights and cached constants. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.causal?.dispose();
    this.causal = null;
  }

  /**
   * The additive attention mask over [prefix ; text] for `textLen` text positions: query i sees
   * key j when j is in the prefix or j ≤ i. Built once for the longest length and sliced.
   */
  prefixCausalMask(textLen: number): tf.Tensor2D {
    const P = this.numPrefix;
    if (!this.causal) {
      const L = P + this.spec.maxLen;
      const m = new Float32Array(L * L);
      for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) if (j >= P && j > i) m[i * L + j] = NEG;
      this.causal = tf.keep(tf.tensor2d(m, [L, L]));
    }
    const n = P + textLen;
    return tf.slice(this.causal, [0, 0], [n, n]);
  }

  /** A text key mask [B, 1, 1, T] extended with visible prefix columns: [B, 1, 1, P + T]. */
  prefixKeyMask(textKeyMask: tf.Tensor4D): tf.Tensor4D {
    return tf.pad(textKeyMask, [
      [0, 0],
      [0, 0],
      [0, 0],
      [this.numPrefix, 0],
    ]);
  }

  /** Visual prefix [B, numPrefix, d] from greyscale pixels [B, S, S] in [0, 1]. */
  encodeImages(pixels: tf.Tensor3D): tf.Tensor3D {
    const { imageSize: S, patchSize: p, dModel: d, mergePatches: m } = this.spec;
    const B = pixels.shape[0];
    const g = S / p;
    const P = numPatches(this.spec);
    const patches = tf.reshape(tf.transpose(tf.reshape(pixels, [B, g, p, g, p]), [0, 1, 3, 2, 4]), [B * P, p * p]) as tf.Tensor2D;
    const centred = tf.sub(patches, 0.5) as tf.Tensor2D;
    let h = tf.add(tf.reshape(linear(centred, this.p('enc.patch.w'), this.p('enc.patch.b')), [B, P, d]), this.p('enc.pos'));
    let h2 = tf.reshape(h, [B * P, d]) as tf.Tensor2D;
    for (let i = 0; i < this.spec.encoderLayers; i++) h2 = this.block(`enc.block${i}`, h2, B, P, null, null, i);
    h2 = layerNorm(h2, this.p('enc.ln.g'), this.p('enc.ln.b'));
    // Patch merger: concatenate each m×m block of neighbouring patch features, then project.
    const gm = g / m;
    const merged = m === 1 ? h2 : (tf.reshape(tf.transpose(tf.reshape(h2, [B, gm, m, gm, m, d]), [0, 1, 3, 2, 4, 5]), [B * gm * gm, m * m * d]) as tf.Tensor2D);
    h = tf.reshape(linear(merged, this.p('proj.w'), this.p('proj.b')), [B, gm * gm, d]);
    return h as tf.Tensor3D;
  }

  /** Token + position embeddings [B, T, d]; positions default to 0…T−1 for every row. */
  embedText(tokens: tf.Tensor2D, posIds?: tf.Tensor2D): tf.Tensor3D {
    const [B, T] = tokens.shape;
    const d = this.spec.dModel;
    if (T > this.spec.maxLen && !posIds) throw new Error(`model: ${T} text tokens exceed maxLen ${this.spec.maxLen}`);
    const tok = tf.reshape(embed(this.p('dec.tok'), tf.reshape(tokens, [B * T]) as tf.Tensor1D), [B, T, d]);
    const pos = posIds
      ? tf.reshape(embed(this.p('dec.pos'), tf.reshape(posIds, [B * T]) as tf.Tensor1D), [B, T, d])
      : tf.reshape(tf.slice(this.p('dec.pos'), [0, 0], [T, d]), [1, T, d]);
    return tf.add(tok, pos) as tf.Tensor3D;
  }

  /** An empty KV cache for `batch` rows and at most `maxLen` positions (prefix included). */
  newCache(batch: number, maxLen: number): KvCache {
    return new KvCache(this.spec.nLayers, batch, maxLen, this.spec.dModel, this.spec.nHeads);
  }

  /**
   * Run the decoder blocks on inputs x [B, Tq, d]; with a cache, their keys follow the cache's
   * positions and are added to it. mask: additive, broadcastable to [B, H, Tq, cached + Tq] (with a
   * cache it may be wider: see KvCache.attend).
   * Returns the final-normed hidden states [B·Tq, d].
   */
  decode(x: tf.Tensor3D, mask: tf.Tensor, cache: KvCache | null): tf.Tensor2D {
    const [B, Tq, d] = x.shape;
    let h = tf.reshape(x, [B * Tq, d]) as tf.Tensor2D;
    for (let i = 0; i < this.spec.nLayers; i++) h = this.block(`dec.block${i}`, h, B, Tq, mask, cache, i);
    cache?.advance(Tq);
    return layerNorm(h, this.p('dec.ln.g'), this.p('dec.ln.b'));
  }

  /** Logits [N, V] from hidden states [N, d]. */
  logits(hidden: tf.Tensor2D): tf.Tensor2D {
    return linear(hidden, this.p('head.w'));
  }

  /**
   * Teacher-forced logits for text tokens [B, T] (int32) after images [B, S, S]: [B·T, V], row
   * b·T + t predicting the token after position t. Right-padded rows need nothing else; left-padded
   * rows pass their per-row positions and the additive key mask of their pad columns [B, 1, 1, T]
   * (see sequence.ts `leftPad`).
   */
  forward(pixels: tf.Tensor3D, tokens: tf.Tensor2D, left?: { posIds: tf.Tensor2D; keyMask: tf.Tensor4D }): tf.Tensor2D {
    const [B, T] = tokens.shape;
    const P = this.numPrefix;
    const x = tf.concat([this.encodeImages(pixels), this.embedText(tokens, left?.posIds)], 1) as tf.Tensor3D;
    const mask = left ? tf.add(this.prefixCausalMask(T), this.prefixKeyMask(left.keyMask)) : this.prefixCausalMask(T);
    const hidden = this.decode(x, mask, null);
    const text = tf.slice(tf.reshape(hidden, [B, P + T, this.spec.dModel]), [0, P, 0], [B, T, this.spec.dModel]);
    return this.logits(tf.reshape(text, [B * T, this.spec.dModel]) as tf.Tensor2D);
  }

  private blockWeights(name: string): BlockWeights {
    const p = (k: string) => this.p(`${name}.${k}`);
    return {
      ln1g: p('ln1.g'), ln1b: p('ln1.b'), wqkv: p('attn.wqkv'), bqkv: p('attn.bqkv'), wo: p('attn.wo'), bo: p('attn.bo'),
      ln2g: p('ln2.g'), ln2b: p('ln2.b'), w1: p('mlp.w1'), b1: p('mlp.b1'), w2: p('mlp.w2'), b2: p('mlp.b2'),
    } as BlockWeights;
  }

  /** One pre-norm transformer block on h [B·T, d] (layer `layer` of a decoder cache, if any). */
  private block(name: string, h: tf.Tensor2D, B: number, T: number, mask: tf.Tensor | null, cache: KvCache | null, layer: number): tf.Tensor2D {
    const whole = cache?.block(layer, h, T, mask, this.blockWeights(name));
    if (whole) return whole;
    const a = layerNorm(h, this.p(`${name}.ln1.g`), this.p(`${name}.ln1.b`));
    const qkv = linear(a, this.p(`${name}.attn.wqkv`), this.p(`${name}.attn.bqkv`));
    const merged = cache ? cache.attend(layer, qkv, T, mask) : selfAttention(qkv, B, T, this.spec.nHeads, mask);
    const h1 = tf.add(h, linear(merged, this.p(`${name}.attn.wo`), this.p(`${name}.attn.bo`))) as tf.Tensor2D;
    const m = layerNorm(h1, this.p(`${name}.ln2.g`), this.p(`${name}.ln2.b`));
    const f = linear(gelu(linear(m, this.p(`${name}.mlp.w1`), this.p(`${name}.mlp.b1`))), this.p(`${name}.mlp.w2`), this.p(`${name}.mlp.b2`));
    return tf.add(h1, f) as tf.Tensor2D;
  }
}
