/**
 * The few internals of tfjs's wasm backend (4.x) that kernels registered on top of it use: tensor
 * data lives in the wasm heap at `dataIdMap.get(dataId).memoryOffset`, and `makeOutput` allocates a
 * new tensor there. Checked once at registration (`isWasmBackendLike`) so a changed tfjs version
 * leaves the stock kernels in place instead of failing later.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs';

export interface WasmTensorData {
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
}

export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData?(dataId: object, force?: boolean): boolean;
  /** References to a tensor's data (tensors sharing it after reshape/clone); 1 = only one. */
  refCount?(dataId: object): number;
}

export function isWasmBackendLike(b: unknown): b is WasmBackendLike {
  const x = b as Partial<WasmBackendLike> | null;
  return (
    !!x &&
    typeof x.makeOutput === 'function' &&
    !!x.wasm &&
    x.wasm.HEAPU8 instanceof Uint8Array &&
    !!x.dataIdMap &&
    typeof x.dataIdMap.get === 'function'
  );
}

/** Byte offset of a tensor's data in the wasm heap (throws if the backend does not know it). */
export function heapOffset(backend: WasmBackendLike, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d || typeof d.memoryOffset !== 'number') throw new Error('wasm backend has no heap data for this tensor');
  return d.memoryOffset;
}

/** The current heap buffer (re-read after every allocation: the heap may grow and move). */
export function heapBuffer(backend: WasmBackendLike): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}
