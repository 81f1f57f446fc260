/**
 * UnsortedSegmentSum for tfjs's wasm backend, which has none (so the gradient of `tf.gather`, e.g.
 * an embedding lookup, fails there). Semantics follow the tfjs cpu kernel for the documented
 * contract (`segmentIds` a 1-D int32 tensor with one id per row of x): out[s, ...] = sum of the x
 * rows whose id is s; ids outside [0, numSegments) are dropped. float32 and int32 x; the output
 * has x's dtype. Anything else is a clear error (the stock wasm backend has no kernel to defer to).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { heapBuffer, heapOffset, isWasmBackendLike } from './wasm-heap.js';

type KernelArgs = Parameters<KernelFunc>[0];

/** Sum rows of `x` (rows of length `inner`) into `out` (numSegments rows) by segment id. */
export function segmentSumInto(
  x: Float32Array | Int32Array,
  ids: Int32Array,
  inner: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  for (let r = 0; r < ids.length; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (!isWasmBackendLike(backend)) throw new Error('UnsortedSegmentSum (deepmedix): expected the wasm backend');
  const x = inputs.x as TensorInfo;
  const segmentIds = inputs.segmentIds as TensorInfo;
  const numSegments = Number(attrs?.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${attrs?.numSegments}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm: dtype ${x.dtype} is not supported (float32, int32)`);
  }
  if (segmentIds.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  if (segmentIds.shape.length !== 1 || x.shape.length < 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(`UnsortedSegmentSum on wasm: segmentIds must be 1-D with x.shape[0] ids; got ids [${segmentIds.shape}] for x [${x.shape}]`);
  }
  const rows = segmentIds.shape[0];
  const innerShape = x.shape.slice(1);
  const inner = innerShape.reduce((p, d) => p * d, 1);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const buf = heapBuffer(backend);
  const View = x.dtype === 'float32' ? Float32Array : Int32Array;
  const xv = new View(buf, heapOffset(backend, x), rows * inner);
  const idv = new Int32Array(buf, heapOffset(backend, segmentIds), rows);
  const ov = new View(buf, heapOffset(backend, out), numSegments * inner);
  segmentSumInto(xv, idv, inner, numSegments, ov);
  return out;
}

export const unsortedSegmentSumWasm: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as KernelFunc,
};
