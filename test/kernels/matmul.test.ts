/**
 * The OpenBLAS-backed BatchMatMul/_FusedMatMul for wasm against tfjs's cpu backend: values and
 * gradients (tf.grad) on random shapes, including 1-row, K = 1, odd sizes, batches, broadcast
 * batches, all four transpose combinations, fused bias + activations, and stock fallbacks.
 * Skipped (with the reason) where the addon cannot be built.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { loadBlas } from '../../src/kernels/native.js';
import { fastKernelsInstalled, installFastKernels, restoreStockKernels } from '../../src/kernels/index.js';
import { nativeMatMul } from '../../src/kernels/matmul-native.js';
import { planMatMul } from '../../src/kernels/matmul-plan.js';
import { isWasmBackendLike } from '../../src/kernels/wasm-heap.js';
import { assertClose, onBackend, randomArray, sizeOf, useFastKernels, describeWithAddon } from './kernels-helpers.js';

interface Case {
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

const SHAPES: [number[], number[]][] = [
  [[1, 7], [7, 5]], // one row
  [[9, 1], [1, 6]], // K = 1
  [[37, 53], [53, 29]], // odd sizes
  [[130, 67], [67, 257]], // above blocking sizes, threaded path
  [[4, 6, 9], [4, 9, 5]], // batch
  [[1, 6, 9], [3, 9, 5]], // broadcast batch (A)
  [[3, 6, 9], [9, 5]], // rank 3 x rank 2
  [[2, 1, 5, 8], [3, 8, 4]], // 4-D broadcast both ways
  [[16, 33, 17], [16, 17, 40]], // many small products
  [[16, 64, 64], [16, 64, 64]], // batch split over the addon's threads (>= 8 MFLOP in all)
  [[256, 128], [128, 257]], // one product split by OpenBLAS's threads (>= 16 MFLOP)
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [a, b] of SHAPES) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const aa = [...a];
        const bb = [...b];
        const r = aa.length;
        const s = bb.length;
        if (tA) [aa[r - 2], aa[r - 1]] = [aa[r - 1], aa[r - 2]];
        if (tB) [bb[s - 2], bb[s - 1]] = [bb[s - 1], bb[s - 2]];
        out.push({ a: aa, b: bb, tA, tB });
      }
    }
  }
  return out;
}

/** tfjs's BatchMatMul gradient does not support broadcast batches (on any backend): values only there. */
function broadcasts(c: Case): boolean {
  return c.a.length !== c.b.length || c.a.slice(0, -2).some((d, i) => d !== c.b[i]);
}

/**
 * With `expand`, A and B are first broadcast to the full batch shape (tf.broadcastTo), so the
 * reference product needs no batch broadcasting (tfjs's cpu BatchMatMul mishandles broadcasts
 * where both sides have batch > 1, e.g. [2,1,...] x [3,...]).
 */
function valueAndGrads(c: Case, av: Float32Array, bv: Float32Array, wv: Float32Array, outShape: number[], expand = false) {
  let a = tf.tensor(av, c.a);
  let b = tf.tensor(bv, c.b);
  if (expand) {
    const batch = outShape.slice(0, -2);
    a = tf.broadcastTo(a, [...batch, ...c.a.slice(-2)]);
    b = tf.broadcastTo(b, [...batch, ...c.b.slice(-2)]);
  }
  const w = tf.tensor(wv, outShape);
  const y = tf.matMul(a, b, c.tA, c.tB);
  if (broadcasts(c)) return { y: y.dataSync().slice(), shape: y.shape, ga: new Float32Array(0), gb: new Float32Array(0) };
  const g = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, z, c.tA, c.tB), w)));
  const [ga, gb] = g([a, b]);
  return { y: y.dataSync().slice(), shape: y.shape, ga: ga.dataSync().slice(), gb: gb.dataSync().slice() };
}

const blas = loadBlas();

describeWithAddon('kernels: OpenBLAS BatchMatMul/_FusedMatMul on wasm vs tfjs cpu', () => {
  useFastKernels();

  it('swaps the BatchMatMul kernel out and back with restoreStockKernels / installFastKernels', () => {
    const ours = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    assert.equal(fastKernelsInstalled(), true);
    restoreStockKernels();
    assert.equal(fastKernelsInstalled(), false);
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc, ours);
    installFastKernels('wasm');
    assert.equal(fastKernelsInstalled(), true);
  });

  it('plans shapes and broadcasts like tfjs', () => {
    const p = planMatMul([2, 1, 5, 8], [3, 8, 4], false, false)!;
    assert.deepEqual(p.outShape, [2, 3, 5, 4]);
    assert.deepEqual([...p.aIndex], [0, 0, 0, 1, 1, 1]);
    assert.deepEqual([...p.bIndex], [0, 1, 2, 0, 1, 2]);
    assert.equal(planMatMul([3, 4], [5, 6], false, false), null); // inner sizes differ
    assert.equal(planMatMul([2, 3, 4], [3, 4, 6], false, false), null); // batch 2 vs 3
    assert.equal(planMatMul([4], [4, 2], false, false), null); // rank 1
  });

  for (const c of cases()) {
    const what = broadcasts(c) ? 'values (broadcast batch)' : 'values and gradients';
    it(`matMul ${JSON.stringify(c.a)}${c.tA ? 'ᵀ' : ''} · ${JSON.stringify(c.b)}${c.tB ? 'ᵀ' : ''}: ${what}`, async () => {
      const rng = new Rng(`${c.a}|${c.b}|${c.tA}|${c.tB}`);
      const plan = planMatMul(c.a, c.b, c.tA, c.tB)!;
      const av = randomArray(rng, sizeOf(c.a));
      const bv = randomArray(rng, sizeOf(c.b));
      const wv = randomArray(rng, sizeOf(plan.outShape));
      const want = await onBackend('cpu', () => valueAndGrads(c, av, bv, wv, plan.outShape, broadcasts(c)));
      const got = await onBackend('wasm', () => valueAndGrads(c, av, bv, wv, plan.outShape));
      assert.deepEqual(got.shape, want.shape);
      assertClose(got.y, want.y, 1e-5, 'value');
      assertClose(got.ga, want.ga, 1e-5, 'grad a');
      assertClose(got.gb, want.gb, 1e-5, 'grad b');
    });
  }

  // Broadcast batch (b has batch 1): the stock wasm _FusedMatMul adds the bias wrongly there.
  for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'prelu'] as const) {
    it(`fused matMul (broadcast batch) + bias + ${activation}`, async () => {
      const rng = new Rng(`fused-${activation}`);
      const av = randomArray(rng, 2 * 11 * 13).map((x) => 8 * x); // spread values past relu6's cap
      const bv = randomArray(rng, 13 * 7);
      const biasv = randomArray(rng, 7);
      const preluv = randomArray(rng, 7);
      const run = () =>
        tf.fused
          .matMul({
            a: tf.tensor3d(av, [2, 11, 13]),
            b: tf.tensor3d(bv, [1, 7, 13]),
            transposeB: true,
            bias: tf.tensor1d(biasv),
            activation,
            preluActivationWeights: activation === 'prelu' ? tf.tensor1d(preluv) : undefined,
            leakyreluAlpha: 0.3,
          })
          .dataSync()
          .slice();
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      assertClose(got, want, 1e-5, activation);
    });
  }

  it('hands unsupported cases to the stock kernel (returns null)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    assert.ok(isWasmBackendLike(backend));
    const noEpi = { bias: null, act: 0, alpha: 0 };
    tf.tidy(() => {
      const ai = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
      assert.equal(nativeMatMul(blas.addon!, backend, ai, ai, false, false, noEpi), null, 'int32');
      const empty = tf.zeros([0, 3]);
      assert.equal(nativeMatMul(blas.addon!, backend, empty, tf.zeros([3, 2]), false, false, noEpi), null, 'empty');
      const a = tf.ones([2, 3]);
      const b = tf.ones([3, 4]);
      const badBias = tf.ones([2, 4]);
      assert.equal(nativeMatMul(blas.addon!, backend, a, b, false, false, { bias: badBias, act: 0, alpha: 0 }), null, 'bias [M,N]');
      assert.equal(nativeMatMul(blas.addon!, backend, a, b, false, false, { bias: null, act: 5, alpha: 0, prelu: tf.ones([1]) }), null, 'prelu scalar');
      const y = nativeMatMul(blas.addon!, backend, a, b, false, false, noEpi);
      assert.ok(y, 'supported case runs natively');
      assert.deepEqual([...tf.engine().makeTensorFromTensorInfo(y).dataSync()], new Array(8).fill(3));
    });
  });

  it('rejects out-of-heap operands instead of reading them', () => {
    const heap = new ArrayBuffer(64);
    blas.addon!.gemm(heap, 1, 4, 4, 4, 0, 0, new Float64Array([0, 0]), 0, -1, 0, 0, -1); // exactly fits
    assert.throws(() => blas.addon!.gemm(heap, 1, 5, 5, 5, 0, 0, new Float64Array([0, 0]), 0, -1, 0, 0, -1), /outside the heap/);
    assert.throws(() => blas.addon!.gemm(heap, 1, 2, 2, 2, 0, 0, new Float64Array([60, 0]), 16, -1, 0, 0, -1), /outside the heap/);
    assert.throws(() => blas.addon!.gemm(heap, 1, 2, 2, 2, 0, 0, new Float64Array([2, 0]), 16, -1, 0, 0, -1), /misaligned/);
    assert.throws(() => blas.addon!.gemm(heap, 1, 2, 2, 2, 0, 0, new Float64Array([0, 0]), 16, 60, 0, 0, -1), /bias/);
    assert.throws(() => blas.addon!.gemm(heap, 1, 2, 2, 2, 0, 0, new Float64Array([0, 0]), 16, -1, 5, 0, -1), /prelu/);
    assert.throws(() => blas.addon!.gemm(heap, 2, 2, 2, 2, 0, 0, new Float64Array([0, 0]), 16, -1, 0, 0, -1), /length 2\*batch/);
  });
});
