/**
 * Transpose (4-byte dtypes) and Sum (float32) for tfjs's wasm backend, on the OpenBLAS addon's
 * cache-blocked C loops, working in place on the wasm heap, and Unpack (4-byte dtypes) as block
 * copies inside the heap (the stock one runs a generic Slice per output). The stock wasm Transpose is slow on
 * the 4-/5-D permutations of attention heads, and the stock Sum transposes first whenever the
 * reduced axes are not innermost (every bias gradient). Other dtypes fall back to the stock kernels.
 *
 * Shapes are simplified before the C call: size-1 dims are dropped and neighbouring dims that stay
 * neighbours (transpose) or share the reduced/kept flag (sum) are merged.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './native.js';
import { heapBuffer, heapOffset, isWasmBackendLike } from './wasm-heap.js';

type KernelArgs = Parameters<KernelFunc>[0];
const MAX_RANK = 8;

/** Drop size-1 dims and merge input dims that stay adjacent and in order under `perm`. */
export function collapseTranspose(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const keep = shape.map((d) => d !== 1);
  const renum = new Map<number, number>();
  const s1: number[] = [];
  shape.forEach((d, i) => {
    if (keep[i]) {
      renum.set(i, s1.length);
      s1.push(d);
    }
  });
  const p1 = perm.filter((p) => keep[p]).map((p) => renum.get(p)!);
  // Merge runs p1[i+1] = p1[i] + 1 (input dims a, a+1 stay consecutive in the output).
  const groups: number[][] = [];
  for (const p of p1) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1] + 1 === p) g.push(p);
    else groups.push([p]);
  }
  const order = [...groups].sort((a, b) => a[0] - b[0]); // groups in input order
  const newShape = order.map((g) => g.reduce((acc, p) => acc * s1[p], 1));
  const newPerm = groups.map((g) => order.indexOf(g));
  if (newShape.length === 0) return { shape: [1], perm: [0] };
  return { shape: newShape, perm: newPerm };
}

/** Drop size-1 dims and merge neighbouring dims with the same reduced/kept flag. */
export function collapseReduce(shape: number[], axes: number[]): { shape: number[]; reduced: number[] } {
  const outShape: number[] = [];
  const reduced: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i) ? 1 : 0;
    if (reduced.length && reduced[reduced.length - 1] === r) outShape[outShape.length - 1] *= d;
    else {
      outShape.push(d);
      reduced.push(r);
    }
  });
  if (outShape.length === 0) return { shape: [1], reduced: [0] };
  return { shape: outShape, reduced };
}

export function transposeKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const perm = (attrs?.perm as number[] | undefined) ?? [];
    if (isWasmBackendLike(backend) && (x.dtype === 'float32' || x.dtype === 'int32') && perm.length === x.shape.length) {
      const c = collapseTranspose(x.shape, perm);
      if (c.shape.length <= MAX_RANK) {
        const out = backend.makeOutput(
          perm.map((p) => x.shape[p]),
          x.dtype,
        );
        addon.transpose(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), c.shape, c.perm);
        return out;
      }
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

export function sumKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    if (isWasmBackendLike(backend) && x.dtype === 'float32') {
      const axis = attrs?.axis as number | number[] | null | undefined;
      const axes = axis == null ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(axis, x.shape);
      const c = collapseReduce(x.shape, axes);
      if (c.shape.length <= MAX_RANK) {
        const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
        const shape = attrs?.keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
        const out = backend.makeOutput(shape, 'float32');
        addon.sum(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), c.shape, c.reduced);
        return out;
      }
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

/**
 * Unpack along `axis` with x viewed as [outer, num, inner]: output i gets the `outer` blocks of
 * `inner` elements at index i. 4-byte elements in one heap (indices in elements).
 */
export function unpackBlocks(heap: Uint32Array, xIdx: number, outer: number, num: number, inner: number, outIdx: number[]): void {
  for (let i = 0; i < num; i++) {
    for (let o = 0; o < outer; o++) {
      const src = xIdx + (o * num + i) * inner;
      heap.copyWithin(outIdx[i] + o * inner, src, src + inner);
    }
  }
}

export function unpackKernel(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.value as TensorInfo;
    if (isWasmBackendLike(backend) && (x.dtype === 'float32' || x.dtype === 'int32') && x.shape.length >= 1) {
      const rank = x.shape.length;
      let axis = Number(attrs?.axis ?? 0);
      if (axis < 0) axis += rank;
      if (axis >= 0 && axis < rank) {
        const num = x.shape[axis];
        const outShape = x.shape.filter((_, d) => d !== axis);
        const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
        const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
        const outs = Array.from({ length: num }, () => backend.makeOutput(outShape, x.dtype));
        const heap = new Uint32Array(heapBuffer(backend));
        unpackBlocks(
          heap,
          heapOffset(backend, x) / 4,
          outer,
          num,
          inner,
          outs.map((o) => heapOffset(backend, o) / 4),
        );
        return outs;
      }
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}
