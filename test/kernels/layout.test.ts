/**
 * The addon's Transpose (float32/int32) and Sum (float32) kernels for wasm against tfjs's cpu
 * backend, values and gradients, on shapes with size-1 dims, odd sizes and the permutations the
 * model uses; the shape-collapsing helpers by hand. Skipped (with the reason) without the addon.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { collapseReduce, collapseTranspose } from '../../src/kernels/layout-native.js';
import { assertClose, onBackend, randomArray, sizeOf, useFastKernels, describeWithAddon } from './kernels-helpers.js';

describe('kernels: shape collapsing for transpose and sum', () => {
  it('merges dims that stay together and drops size-1 dims', () => {
    assert.deepEqual(collapseTranspose([2, 3, 4], [0, 1, 2]), { shape: [24], perm: [0] });
    assert.deepEqual(collapseTranspose([2, 3, 4], [2, 0, 1]), { shape: [6, 4], perm: [1, 0] });
    assert.deepEqual(collapseTranspose([16, 192, 3, 4, 32], [2, 0, 3, 1, 4]), { shape: [16, 192, 3, 4, 32], perm: [2, 0, 3, 1, 4] });
    assert.deepEqual(collapseTranspose([5, 1, 7], [2, 1, 0]), { shape: [5, 7], perm: [1, 0] });
    assert.deepEqual(collapseTranspose([1, 1], [1, 0]), { shape: [1], perm: [0] });
    assert.deepEqual(collapseReduce([4, 5, 6], [0, 1]), { shape: [20, 6], reduced: [1, 0] });
    assert.deepEqual(collapseReduce([4, 1, 5, 6], [0, 3]), { shape: [4, 5, 6], reduced: [1, 0, 1] });
    assert.deepEqual(collapseReduce([1, 1], [0]), { shape: [1], reduced: [0] });
  });
});

describeWithAddon('kernels: addon Transpose and Sum on wasm vs tfjs cpu', () => {
  useFastKernels();

  const perms: [number[], number[]][] = [
    [[37, 53], [1, 0]],
    [[1, 9], [1, 0]],
    [[3, 17, 33], [0, 2, 1]],
    [[3, 17, 33], [2, 0, 1]],
    [[4, 6, 3, 2, 5], [2, 0, 3, 1, 4]], // qkv heads split
    [[2, 3, 9, 5], [0, 2, 1, 3]], // heads merge
    [[2, 3, 9, 5], [0, 1, 3, 2]], // Kᵀ
    [[2, 1, 5, 1, 3], [4, 3, 2, 1, 0]],
    [[4, 5], [0, 1]], // identity
  ];
  for (const [shape, perm] of perms) {
    it(`transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)}: float32 values and gradient, int32 values`, async () => {
      const rng = new Rng(`tr-${shape}-${perm}`);
      const xv = randomArray(rng, sizeOf(shape));
      const outShape = perm.map((p) => shape[p]);
      const wv = randomArray(rng, sizeOf(outShape));
      const iv = new Int32Array(sizeOf(shape)).map(() => rng.int(-1000, 1000));
      const run = () => {
        const x = tf.tensor(xv, shape);
        const y = tf.transpose(x, perm);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.transpose(t, perm), tf.tensor(wv, outShape))))(x);
        const yi = tf.transpose(tf.tensor(iv, shape, 'int32'), perm);
        return { y: y.dataSync().slice(), shape: y.shape, g: g.dataSync().slice(), yi: Array.from(yi.dataSync()), dtype: yi.dtype };
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(Array.from(got.y), Array.from(want.y)); // a permutation is exact
      assertClose(got.g, want.g, 1e-6, 'gradient');
      assert.deepEqual(got.yi, want.yi);
      assert.equal(got.dtype, 'int32');
    });
  }

  const sums: [number[], number | number[] | null, boolean][] = [
    [[2048, 33], 0, false], // bias gradient: column sums
    [[33, 1001], -1, true], // row sums, keepDims
    [[4, 1, 5, 6], [0, 3], false],
    [[4, 5, 6], null, false], // everything
    [[3, 7, 2], [1], true],
    [[1], 0, false],
  ];
  for (const [shape, axis, keepDims] of sums) {
    it(`sum ${JSON.stringify(shape)} over ${JSON.stringify(axis)}${keepDims ? ' keepDims' : ''}: values and gradient`, async () => {
      const rng = new Rng(`sum-${shape}-${axis}`);
      const xv = randomArray(rng, sizeOf(shape));
      const run = () => {
        const x = tf.tensor(xv, shape);
        const y = tf.sum(x, axis ?? undefined, keepDims);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.sum(t, axis ?? undefined, keepDims))))(x);
        return { y: y.dataSync().slice(), shape: y.shape, g: g.dataSync().slice() };
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      assert.deepEqual(got.shape, want.shape);
      assertClose(got.y, want.y, 1e-5, 'sum');
      assertClose(got.g, want.g, 1e-5, 'gradient');
    });
  }

  const unpacks: [number[], number][] = [
    [[3, 4, 2, 5, 3], 0], // the attention heads' q, k, v
    [[2, 3, 4], 1],
    [[2, 3, 4], -1],
    [[5], 0],
  ];
  for (const [shape, axis] of unpacks) {
    it(`unstack ${JSON.stringify(shape)} on axis ${axis}: float32 values and gradient, int32 values`, async () => {
      const rng = new Rng(`unpack-${shape}-${axis}`);
      const xv = randomArray(rng, sizeOf(shape));
      const iv = new Int32Array(sizeOf(shape)).map(() => rng.int(-9, 9));
      const run = () => {
        const x = tf.tensor(xv, shape);
        const parts = tf.unstack(x, axis);
        const g = tf.grad((t: tf.Tensor) => tf.addN(tf.unstack(t, axis).map((p, i) => tf.sum(tf.mul(p, i + 1)))))(x);
        return {
          parts: parts.map((p) => ({ v: Array.from(p.dataSync()), shape: p.shape })),
          ints: tf.unstack(tf.tensor(iv, shape, 'int32'), axis).map((p) => Array.from(p.dataSync())),
          g: Array.from(g.dataSync()),
        };
      };
      assert.deepEqual(await onBackend('wasm', run), await onBackend('cpu', run));
    });
  }

  it('int32 and bool sums go to the stock kernel', async () => {
    const run = () => [Array.from(tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync()), tf.sum(tf.tensor1d([true, true, false], 'bool')).dataSync()[0]];
    assert.deepEqual(await onBackend('wasm', run), await onBackend('cpu', run));
  });
});
