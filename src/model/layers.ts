/**
 * Building blocks with gradients written for speed on CPU backends.
 *
 * - `linear`: y = x·W + b. Where the workbench's fused kernels are registered (wasm with the
 *   OpenBLAS addon, src/kernels) one fused product with bias, and a gradient with transposed
 *   products (free there); elsewhere a custom gradient with explicit transposes and plain 2-D
 *   products (the stock wasm matMul is many times slower with transpose flags).
 * - `layerNorm`, `gelu`: one fused kernel each way (forward, and backward through tf.customGrad)
 *   where registered; otherwise composed from stock ops.
 * - `bmm`: batched product with the same explicit-transpose gradient.
 * - `embed`: row lookup whose gradient is a scatter-add. Backends without an UnsortedSegmentSum
 *   kernel (wasm in tfjs 4.22) get the scatter-add done on the host, so the same code trains there.
 * Everything here is backend-agnostic: the choice is made from the kernel registry at run time, and
 * an input a fused kernel does not take (another dtype, a gain that is not one d-vector) takes
 * the stock path.
 */
import * as tf from '@tensorflow/tfjs';

/** Run a kernel by name through the engine (the fused kernels have no tf.* op). */
export function runKernel<T extends tf.Tensor | tf.Tensor[]>(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): T {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as T;
}

/** The function type tf.customGrad takes. */
type CustomGradientFunc<T> = T extends tf.Tensor ? Parameters<typeof tf.customGrad>[0] : never;

type T2 = tf.Tensor2D;

const linear2d = tf.customGrad(((x: T2, w: T2, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: T2, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as T2[];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy)];
    },
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: T2, w: T2) => T2;

const FUSED_LINEAR = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 };

/**
 * One product with bias (the native _FusedMatMul on the 2-D operands as they are: tf.fused.matMul
 * would add reshapes to 3-D around it); the gradient uses transposed products.
 */
const linearFused = tf.customGrad(((x: T2, w: T2, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: runKernel<T2>('_FusedMatMul', { a: x, b: w, bias: b }, FUSED_LINEAR),
    gradFunc: (dy: T2, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as T2[];
      return [tf.matMul(dy, sw, false, true), tf.matMul(sx, dy, true, false), tf.sum(dy, 0)];
    },
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: T2, w: T2, b: tf.Tensor1D) => T2;

const linearTransposed = tf.customGrad(((x: T2, w: T2, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: T2, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as T2[];
      return [tf.matMul(dy, sw, false, true), tf.matMul(sx, dy, true, false)];
    },
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: T2, w: T2) => T2;

/**
 * Whether the workbench's fused kernels are registered on the active backend (src/kernels/fused.ts:
 * wasm with the OpenBLAS addon, unless DEEPMEDIX_KERNELS=stock). They come with the addon's
 * matMul, for which transpose flags cost nothing.
 */
export function hasFusedKernels(): boolean {
  return hasKernel('DmxLayerNorm');
}

const isF32 = (...ts: tf.Tensor[]) => ts.every((t) => t.dtype === 'float32');

/** x: [N, in], w: [in, out], b: [out] or undefined -> [N, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const fits = x.rank === 2 && w.rank === 2 && x.shape[1] === w.shape[0] && x.size > 0 && w.size > 0 && isF32(x, w);
  if (hasFusedKernels() && fits && (!b || (b.dtype === 'float32' && b.rank === 1 && b.shape[0] === w.shape[1]))) {
    return b ? linearFused(x, w, b) : linearTransposed(x, w);
  }
  const y = linear2d(x, w);
  return b ? tf.add(y, b) : y;
}

const bmm3d = tf.customGrad(((a: tf.Tensor3D, b: tf.Tensor3D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor3D[];
      return [tf.matMul(dy, tf.transpose(sb, [0, 2, 1])), tf.matMul(tf.transpose(sa, [0, 2, 1]), dy)];
    },
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (
  a: tf.Tensor3D,
  b: tf.Tensor3D,
) => tf.Tensor3D;

/** Batched product a: [N, m, k] · b: [N, k, n] -> [N, m, n], explicit-transpose gradient. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return bmm3d(a, b);
}

function hasKernel(name: string): boolean {
  try {
    return tf.getKernel(name, tf.getBackend()) !== undefined;
  } catch {
    return false;
  }
}

/** Sum rows of `dy` [N, d] into a [rows, d] table at `ids` [N] (the gradient of a row gather). */
export function scatterAddRows(dy: tf.Tensor2D, ids: tf.Tensor1D, rows: number): tf.Tensor2D {
  if (hasKernel('UnsortedSegmentSum')) return tf.unsortedSegmentSum(dy, ids, rows) as tf.Tensor2D;
  return scatterAddRowsHost(dy, ids, rows);
}

/** The host-side scatter-add used where the backend has no UnsortedSegmentSum kernel. */
export function scatterAddRowsHost(dy: tf.Tensor2D, ids: tf.Tensor1D, rows: number): tf.Tensor2D {
  const d = dy.shape[1];
  const g = dy.dataSync();
  const idx = ids.dataSync();
  const out = new Float32Array(rows * d);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i] * d;
    const s = i * d;
    for (let j = 0; j < d; j++) out[r + j] += g[s + j];
  }
  return tf.tensor2d(out, [rows, d]);
}

const embed2d = tf.customGrad(((table: T2, ids: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([ids]);
  const rows = table.shape[0];
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: T2, saved: tf.Tensor[]) => [scatterAddRows(dy, saved[0] as tf.Tensor1D, rows), tf.zerosLike(saved[0])],
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (
  table: T2,
  ids: tf.Tensor1D,
) => T2;

/** Rows of `table` [V, d] at int32 `ids` [N] -> [N, d]; trains on every backend. */
export function embed(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return embed2d(table, ids);
}

/** Layer normalization over the last axis with gain and bias. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  const d = x.shape[1];
  const vec = (t: tf.Tensor) => t.rank === 1 && t.shape[0] === d;
  if (hasFusedKernels() && x.rank === 2 && isF32(x, g, b) && vec(g) && vec(b) && d > 0) return layerNormFused(x, g, b, eps);
  return layerNormStock(x, g, b, eps);
}

function layerNormFused(x: T2, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): T2 {
  const f = tf.customGrad(((x: T2, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = runKernel<tf.Tensor[]>('DmxLayerNorm', { x, g, b }, { eps });
    save([x, g, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: T2, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sr] = saved;
        return runKernel<tf.Tensor[]>('DmxLayerNormGrad', { x: sx, g: sg, mean: sm, rstd: sr, dy });
      },
    };
  }) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: T2, g: tf.Tensor1D, b: tf.Tensor1D) => T2;
  return f(x, g, b);
}

/** Layer normalization composed from stock ops (the reference the fused kernel is tested against). */
export function layerNormStock(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

const GELU_C = Math.sqrt(2 / Math.PI);
const geluFused = tf.customGrad(((x: T2, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: runKernel<T2>('DmxGelu', { x }),
    gradFunc: (dy: T2, saved: tf.Tensor[]) => [runKernel<T2>('DmxGeluGrad', { x: saved[0], dy })],
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: T2) => T2;

/** GELU, tanh approximation (as in GPT-2 and PyTorch's approximate='tanh'). */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  if (hasFusedKernels() && isF32(x)) return geluFused(x);
  return geluStock(x);
}

/** GELU composed from stock ops (the reference the fused kernel is tested against). */
export function geluStock(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}
