/**
 * Multi-head attention of the decoder and encoder blocks, from the fused QKV projection
 * qkv [B·T, 3·d] (each row: the queries, keys and values of every head) to the heads' merged
 * output [B·T, d], and the KV cache generation attends against.
 *
 * Where the workbench's fused kernels are registered (src/kernels/fused.ts) scores, mask, softmax
 * and the weighted sum run as one kernel each way (its backward through tf.customGrad), with no
 * transposes; the KV cache is then preallocated and written in place. Elsewhere, or for a mask
 * the kernel does not take (one that differs per head), the same maths composed from stock ops,
 * and a cache grown by concatenation.
 *
 * Masks are additive and broadcastable to [B, H, Tq, Tk]: [Tq, Tk], [B or 1, 1, Tq or 1, Tk].
 */
import * as tf from '@tensorflow/tfjs';
import { bmm, hasFusedKernels, runKernel } from './layers.js';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The mask as the fused kernels take it, [mB, mQ, Tk] (wider: ≥ Tk columns, the cache kernel reads
 * the first Tk), null for none, or undefined when it does not fit them.
 */
function fusedMask(mask: tf.Tensor | null, B: number, Tq: number, Tk: number, wider = false): tf.Tensor3D | null | undefined {
  if (!mask) return null;
  if (mask.dtype !== 'float32') return undefined;
  const s = mask.shape;
  let dims: [number, number, number];
  if (s.length === 2) dims = [1, s[0], s[1]];
  else if (s.length === 4 && s[1] === 1) dims = [s[0], s[2], s[3]];
  else return undefined;
  const [mB, mQ, mT] = dims;
  if ((mB !== 1 && mB !== B) || (mQ !== 1 && mQ !== Tq) || !(mT === Tk || (wider && mT > Tk))) return undefined;
  return tf.reshape(mask, dims) as tf.Tensor3D;
}

/** Stock attention of queries q [B, H, Tq, dh] on keys/values [B, H, Tk, dh] -> merged [B·Tq, d]. */
function attendStock(q0: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor | null): tf.Tensor2D {
  const [B, H, T, dh] = q0.shape;
  const Tk = k.shape[2];
  const q = tf.reshape(tf.mul(q0, 1 / Math.sqrt(dh)), [B * H, T, dh]) as tf.Tensor3D;
  const kT = tf.reshape(tf.transpose(k, [0, 1, 3, 2]), [B * H, dh, Tk]) as tf.Tensor3D;
  let scores = tf.reshape(bmm(q, kT), [B, H, T, Tk]);
  if (mask) scores = tf.add(scores, mask);
  const probs = tf.reshape(tf.softmax(scores), [B * H, T, Tk]) as tf.Tensor3D;
  const ctx = bmm(probs, tf.reshape(v, [B * H, Tk, dh]) as tf.Tensor3D);
  return tf.reshape(tf.transpose(tf.reshape(ctx, [B, H, T, dh]), [0, 2, 1, 3]), [B * T, H * dh]) as tf.Tensor2D;
}

/** qkv [B·T, 3·d] -> q, k, v [B, H, T, dh]. */
function splitHeads(qkv: tf.Tensor2D, B: number, T: number, H: number): tf.Tensor4D[] {
  const dh = qkv.shape[1] / (3 * H);
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3, H, dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
  return tf.unstack(heads, 0) as tf.Tensor4D[];
}

function selfAttentionFused(qkv: tf.Tensor2D, mask: tf.Tensor3D | null, B: number, H: number): tf.Tensor2D {
  const attrs = { batch: B, heads: H };
  const f = tf.customGrad(((qkv: tf.Tensor2D, ...rest: unknown[]) => {
    const m = mask ? (rest[0] as tf.Tensor3D) : null;
    const save = rest[rest.length - 1] as tf.GradSaveFunc;
    const [out, probs] = runKernel<tf.Tensor[]>('DmxAttention', m ? { qkv, mask: m } : { qkv }, attrs);
    save([qkv, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const dqkv = runKernel<tf.Tensor>('DmxAttentionGrad', { qkv: saved[0], probs: saved[1], dy }, attrs);
        return m ? [dqkv, tf.zerosLike(m)] : [dqkv];
      },
    };
  }) as unknown as CustomGradientFunc) as unknown as (...t: tf.Tensor[]) => tf.Tensor2D;
  return mask ? f(qkv, mask) : f(qkv);
}

/** Attention of every position of qkv [B·T, 3·d] to every other (under `mask`) -> [B·T, d]. */
export function selfAttention(qkv: tf.Tensor2D, B: number, T: number, H: number, mask: tf.Tensor | null): tf.Tensor2D {
  if (hasFusedKernels() && qkv.dtype === 'float32' && qkv.shape[1] % (3 * H) === 0 && qkv.shape[0] === B * T) {
    const m = fusedMask(mask, B, T, T);
    if (m !== undefined) return selfAttentionFused(qkv, m, B, H);
  }
  const [q, k, v] = splitHeads(qkv, B, T, H);
  return attendStock(q, k, v, mask);
}

/** The parameters of one pre-norm transformer block (names as in the kernel DmxDecoderStep). */
export interface BlockWeights {
  ln1g: tf.Tensor1D;
  ln1b: tf.Tensor1D;
  wqkv: tf.Tensor2D;
  bqkv: tf.Tensor1D;
  wo: tf.Tensor2D;
  bo: tf.Tensor1D;
  ln2g: tf.Tensor1D;
  ln2b: tf.Tensor1D;
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
}

/** Whether the block's weights have the shapes (and dtype) of a d-wide block with an f-wide MLP. */
function blockFits(w: BlockWeights, d: number): boolean {
  const f = w.w1.shape[1];
  const want: [tf.Tensor, number[]][] = [
    [w.ln1g, [d]], [w.ln1b, [d]], [w.wqkv, [d, 3 * d]], [w.bqkv, [3 * d]], [w.wo, [d, d]], [w.bo, [d]],
    [w.ln2g, [d]], [w.ln2b, [d]], [w.w1, [d, f]], [w.b1, [f]], [w.w2, [f, d]], [w.b2, [d]],
  ];
  return want.every(([t, s]) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, s));
}

/**
 * Keys and values of every decoder layer for the positions seen so far, for `batch` rows and at
 * most `maxLen` positions. `attend` adds a step's new keys/values and attends to all of them;
 * `advance` moves on once every layer has attended. Not differentiable (generation only).
 * Owns its tensors (kept outside any tidy): call `dispose`.
 */
export class KvCache {
  /** Positions stored (and attended) so far. */
  length = 0;
  private readonly fused: boolean;
  private readonly k: (tf.Tensor | null)[];
  private readonly v: (tf.Tensor | null)[];

  constructor(
    readonly layers: number,
    readonly batch: number,
    readonly maxLen: number,
    readonly dModel: number,
    readonly heads: number,
  ) {
    this.fused = hasFusedKernels() && tf.getKernel('DmxAttendCache', tf.getBackend()) !== undefined;
    const make = () => (this.fused ? tf.keep(tf.zeros([batch, maxLen, dModel])) : null);
    this.k = Array.from({ length: layers }, make);
    this.v = Array.from({ length: layers }, make);
  }

  /**
   * Layer `layer`'s attention for the new positions' qkv [batch·Tq, 3·d] -> [batch·Tq, d], after
   * storing their keys and values. mask: additive over the keys so far, [Tq, Tk] or
   * [batch | 1, 1, Tq | 1, ≥ Tk] (columns past the Tk keys are ignored, so one mask over every
   * position the cache will hold serves each step).
   */
  attend(layer: number, qkv: tf.Tensor2D, Tq: number, mask: tf.Tensor | null): tf.Tensor2D {
    const B = this.batch;
    const Tk = this.length + Tq;
    if (Tk > this.maxLen) throw new Error(`KvCache: ${Tk} positions exceed the cache's ${this.maxLen}`);
    const keysOnly = (m: tf.Tensor | null) => (m && m.shape[m.rank - 1] > Tk ? tf.slice(m, m.shape.map(() => 0), [...m.shape.slice(0, -1), Tk]) : m);
    if (this.fused) {
      const attrs = { batch: B, heads: this.heads, pos: this.length };
      const caches = { qkv, kCache: this.k[layer]!, vCache: this.v[layer]! };
      const m = fusedMask(mask, B, Tq, Tk, true);
      if (m !== undefined) return runKernel<tf.Tensor2D>('DmxAttendCache', m ? { ...caches, mask: m } : caches, attrs);
      // A mask the kernel does not take: let it store the new keys/values, then attend with stock ops.
      runKernel<tf.Tensor>('DmxAttendCache', caches, attrs).dispose();
      const dh = this.dModel / this.heads;
      const stored = (c: tf.Tensor) => tf.transpose(tf.reshape(tf.slice(c, [0, 0, 0], [B, Tk, this.dModel]), [B, Tk, this.heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
      return attendStock(splitHeads(qkv, B, Tq, this.heads)[0], stored(this.k[layer]!), stored(this.v[layer]!), keysOnly(mask));
    }
    mask = keysOnly(mask);
    const [q, k0, v0] = splitHeads(qkv, B, Tq, this.heads);
    const pk = this.k[layer];
    const pv = this.v[layer];
    const k = pk ? tf.concat([pk, k0], 2) : k0;
    const v = pv ? tf.concat([pv, v0], 2) : v0;
    this.k[layer] = tf.keep(k);
    this.v[layer] = tf.keep(v);
    tf.dispose([pk, pv].filter((t): t is tf.Tensor => t !== null));
    return attendStock(q, k as tf.Tensor4D, v as tf.Tensor4D, mask);
  }

  /**
   * The whole decoder block `layer` (layer norms, QKV, attention against the cache, output
   * projection, MLP, both residuals) for the new positions h [batch·Tq, d] as one kernel call, the
   * keys/values stored as `attend` does; null where that kernel is absent or does not take these
   * inputs (the caller then composes the block, calling `attend`).
   */
  block(layer: number, h: tf.Tensor2D, Tq: number, mask: tf.Tensor | null, w: BlockWeights, eps = 1e-5): tf.Tensor2D | null {
    if (!this.fused || tf.getKernel('DmxDecoderStep', tf.getBackend()) === undefined) return null;
    const Tk = this.length + Tq;
    const m = fusedMask(mask, this.batch, Tq, Tk, true);
    if (m === undefined || Tk > this.maxLen || h.dtype !== 'float32' || !tf.util.arraysEqual(h.shape, [this.batch * Tq, this.dModel]) || !blockFits(w, this.dModel)) return null;
    const inputs: Record<string, tf.Tensor> = { h, ...w, kCache: this.k[layer]!, vCache: this.v[layer]! };
    if (m) inputs.mask = m;
    return runKernel<tf.Tensor2D>('DmxDecoderStep', inputs, { batch: this.batch, heads: this.heads, pos: this.length, eps });
  }

  advance(Tq: number): void {
    this.length += Tq;
  }

  dispose(): void {
    tf.dispose([...this.k, ...this.v].filter((t): t is tf.Tensor => t !== null));
    this.k.fill(null);
    this.v.fill(null);
  }
}
