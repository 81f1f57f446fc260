/**
 * Tanh (float32, on the addon's vectorized loop) and GatherV2 (4-byte dtypes, batchDims 0, row
 * copies inside the wasm heap) for tfjs's wasm backend. The stock wasm Tanh is a scalar loop
 * (about 10x slower, and GELU calls it on the largest activation of every block); the stock
 * Gather is slow for embedding lookups. Everything else goes to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './native.js';
import { heapBuffer, heapOffset, isWasmBackendLike } from './wasm_heap.js';

type KernelArgs = Parameters<KernelFunc>[0];

export function tanhKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend } = args;
    const x = inputs.x as TensorInfo;
    if (isWasmBackendLike(backend) && x.dtype === 'float32') {
      const out = backend.makeOutput(x.shape, 'float32');
      const n = x.shape.reduce((p, d) => p * d, 1);
      addon.tanh(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), n);
      return out;
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
