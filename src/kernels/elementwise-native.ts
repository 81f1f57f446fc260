/**
 * Element-wise kernels for tfjs's wasm backend where the stock ones are slow on this model:
 * Tanh and Exp (float32, the addon's vectorized loops: the stock ones are scalar, ~10x slower;
 * GELU and logSumExp call them on the largest tensors), comparisons (Equal … GreaterEqual,
 * float32/int32 with broadcasting: the stock broadcast path costs ~100 ns per element, and the
 * gradient of max — in every logSumExp — runs Equal on the logits), Cast bool/int32 -> float32
 * and bool -> int32, GatherV2 (4-byte dtypes, batchDims 0, row copies inside the heap), and
 * Identity without a copy.
 * Everything else goes to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './native.js';
import { heapBuffer, heapOffset, isWasmBackendLike } from './wasm-heap.js';

type KernelArgs = Parameters<KernelFunc>[0];

/** A float32 element-wise kernel on the addon's `op`, handing anything else to the stock kernel. */
function unaryKernel(op: 'tanh' | 'exp', addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend } = args;
    const x = inputs.x as TensorInfo;
    if (isWasmBackendLike(backend) && x.dtype === 'float32') {
      const out = backend.makeOutput(x.shape, 'float32');
      const n = x.shape.reduce((p, d) => p * d, 1);
      addon[op](heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), n);
      return out;
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

export function tanhKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  return unaryKernel('tanh', addon, stock);
}

export function expKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  return unaryKernel('exp', addon, stock);
}

/** Comparison kernels and the addon's op codes. */
export const COMPARE_OPS: Record<string, number> = { Equal: 0, NotEqual: 1, Less: 2, LessEqual: 3, Greater: 4, GreaterEqual: 5 };

/**
 * Broadcast a and b to a common shape and describe each as strides over it (0 on broadcast
 * dims), with size-1 dims dropped and dims merged where both operands stay contiguous.
 * Null when the shapes do not broadcast.
 */
export function broadcastStrides(aShape: number[], bShape: number[]): { shape: number[]; outShape: number[]; a: number[]; b: number[] } | null {
  const r = Math.max(aShape.length, bShape.length);
  const outShape: number[] = [];
  const strides = (shape: number[]) => {
    const st = new Array<number>(r).fill(0);
    let s = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      st[r - shape.length + i] = shape[i] === 1 ? 0 : s;
      s *= shape[i];
    }
    return st;
  };
  for (let i = 0; i < r; i++) {
    const da = aShape[aShape.length - r + i] ?? 1;
    const db = bShape[bShape.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    outShape.push(da === 1 ? db : da);
  }
  const sa = strides(aShape);
  const sb = strides(bShape);
  const shape: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < r; i++) {
    if (outShape[i] === 1) continue;
    const k = shape.length - 1;
    if (k >= 0 && a[k] === sa[i] * outShape[i] && b[k] === sb[i] * outShape[i]) {
      shape[k] *= outShape[i];
      a[k] = sa[i];
      b[k] = sb[i];
    } else {
      shape.push(outShape[i]);
      a.push(sa[i]);
      b.push(sb[i]);
    }
  }
  if (shape.length === 0) return { shape: [1], outShape, a: [0], b: [0] };
  return { shape, outShape, a, b };
}

export function compareKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const op = COMPARE_OPS[stock.kernelName];
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    if (isWasmBackendLike(backend) && op !== undefined && a.dtype === b.dtype && (a.dtype === 'float32' || a.dtype === 'int32')) {
      const plan = broadcastStrides(a.shape, b.shape);
      if (plan && plan.shape.length <= 8) {
        const out = backend.makeOutput(plan.outShape, 'bool');
        const buf = heapBuffer(backend);
        addon.compare(buf, op, a.dtype === 'float32' ? 0 : 1, heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), plan.shape, plan.a, plan.b);
        return out;
      }
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

/**
 * Cast bool/int32 -> float32 and bool -> int32 by typed-array conversion on the heap; a cast to
 * the same dtype shares the data (as the cpu backend does; the gradient of every saved-tensor
 * clone is such a cast).
 */
export function castKernel(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const to = attrs?.dtype as string | undefined;
    const b = backend as unknown as { incRef?: (dataId: object) => void };
    if (isWasmBackendLike(backend) && to === x.dtype && (to === 'float32' || to === 'int32' || to === 'bool') && typeof b.incRef === 'function') {
      b.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }
    const ok = (to === 'float32' && (x.dtype === 'bool' || x.dtype === 'int32')) || (to === 'int32' && x.dtype === 'bool');
    if (isWasmBackendLike(backend) && ok) {
      const n = x.shape.reduce((p, d) => p * d, 1);
      const out = backend.makeOutput(x.shape, to as 'float32' | 'int32');
      const buf = heapBuffer(backend);
      const src = x.dtype === 'bool' ? new Uint8Array(buf, heapOffset(backend, x), n) : new Int32Array(buf, heapOffset(backend, x), n);
      const dst = to === 'float32' ? new Float32Array(buf, heapOffset(backend, out), n) : new Int32Array(buf, heapOffset(backend, out), n);
      dst.set(src);
      return out;
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

/**
 * Identity without a copy: the output shares the input's heap data and bumps its reference count,
 * as the cpu backend's Identity and the wasm backend's own Reshape do (tensor data is immutable;
 * the backend frees it when the last reference goes). The engine clones every tensor it saves for
 * the backward pass through Identity, so on wasm each op's saved inputs were full copies.
 */
export function identityKernel(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend } = args;
    const x = inputs.x as TensorInfo;
    const b = backend as unknown as { incRef?: (dataId: object) => void };
    if (isWasmBackendLike(backend) && x.dtype !== 'string' && typeof b.incRef === 'function') {
      b.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

/**
 * out[o, i, :] = x[o, ids[i], :] with x viewed as [outer, dim, inner]; 4-byte elements in one heap.
 * Throws on an index outside [0, dim), like the stock kernels.
 */
export function gatherRows(heap: Uint32Array, xIdx: number, ids: Int32Array, outer: number, dim: number, inner: number, outIdx: number): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!(v >= 0 && v < dim)) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dim - 1}]`);
  }
  for (let o = 0; o < outer; o++) {
    const src = xIdx + o * dim * inner;
    const dst = outIdx + o * ids.length * inner;
    for (let i = 0; i < ids.length; i++) {
      const s = src + ids[i] * inner;
      heap.copyWithin(dst + i * inner, s, s + inner);
    }
  }
}

export function gatherKernel(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const indices = inputs.indices as TensorInfo;
    const batchDims = Number(attrs?.batchDims ?? 0);
    if (isWasmBackendLike(backend) && (x.dtype === 'float32' || x.dtype === 'int32') && indices.dtype === 'int32' && batchDims === 0) {
      const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
      const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
      const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
      const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
      const nIds = indices.shape.reduce((p, d) => p * d, 1);
      const out = backend.makeOutput(outShape, x.dtype);
      const buf = heapBuffer(backend);
      const ids = new Int32Array(buf, heapOffset(backend, indices), nIds);
      try {
        gatherRows(new Uint32Array(buf), heapOffset(backend, x) / 4, ids, outer, x.shape[axis], inner, heapOffset(backend, out) / 4);
      } catch (e) {
        backend.disposeData?.(out.dataId);
        throw e;
      }
      return out;
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}
