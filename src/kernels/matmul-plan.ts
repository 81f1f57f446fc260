/**
 * Shape planning for batched matrix products `C[b] = op(A[b]) · op(B[b])` with numpy-style
 * broadcasting of the leading (batch) dimensions — the contract of tfjs's BatchMatMul kernel.
 * Pure functions, no tensors: the plan lists, for each output batch entry, which A and B matrix
 * feed it, so any broadcast pattern becomes a list of matrix indices.
 */

export interface MatMulPlan {
  /** Number of output matrices (product of the broadcast batch dims; 1 for rank 2). */
  batch: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
  /** For output batch entry i: index of its A matrix (in A's own batch order). */
  aIndex: Int32Array;
  /** For output batch entry i: index of its B matrix. */
  bIndex: Int32Array;
}

/** Broadcast two batch shapes (right-aligned); null when they are incompatible. */
export function broadcastBatch(a: number[], b: number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Row-major flat index into `shape` of the entry that broadcasts to multi-index `idx` of `outShape`. */
function sourceIndexer(shape: number[], outShape: number[]): (idx: number[]) => number {
  const off = outShape.length - shape.length;
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return (idx) => {
    let f = 0;
    for (let i = 0; i < shape.length; i++) f += idx[i + off] * strides[i];
    return f;
  };
}

/**
 * Plan a product; null when the shapes are not a valid matMul (ranks < 2, inner sizes differ,
 * batch dims do not broadcast) so the caller can hand the case to the stock kernel.
 */
export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const ka = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (ka !== kb) return null;
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const outBatch = broadcastBatch(aBatch, bBatch);
  if (!outBatch) return null;
  const batch = outBatch.reduce((p, d) => p * d, 1);
  const aIndex = new Int32Array(batch);
  const bIndex = new Int32Array(batch);
  const ai = sourceIndexer(aBatch, outBatch);
  const bi = sourceIndexer(bBatch, outBatch);
  const idx = new Array<number>(outBatch.length).fill(0);
  for (let i = 0; i < batch; i++) {
    aIndex[i] = ai(idx);
    bIndex[i] = bi(idx);
    for (let d = outBatch.length - 1; d >= 0; d--) {
      if (++idx[d] < outBatch[d]) break;
      idx[d] = 0;
    }
  }
  return { batch, m, n, k: ka, outShape: [...outBatch, m, n], aIndex, bIndex };
}
