/**
 * UnsortedSegmentSum on wasm (a kernel the stock wasm backend lacks) against tfjs's cpu backend,
 * and the gradient of tf.gather (an embedding lookup) that needs it.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { segmentSumInto } from '../../src/kernels/segment-sum.js';
import { assertClose, onBackend, randomArray, sizeOf, useFastKernels } from './kernels-helpers.js';

describe('kernels: UnsortedSegmentSum on wasm vs tfjs cpu', () => {
  useFastKernels();

  it('sums rows by id by hand (ids out of range dropped)', () => {
    const out = new Float32Array(6);
    segmentSumInto(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), new Int32Array([2, 0, 2, 5]), 2, 3, out);
    assert.deepEqual([...out], [3, 4, 0, 0, 1 + 5, 2 + 6]);
  });

  const cases: { x: number[]; ids: [number]; n: number }[] = [
    { x: [10, 4], ids: [10], n: 6 },
    { x: [1, 3], ids: [1], n: 1 },
    { x: [7, 3, 2], ids: [7], n: 9 }, // more segments than rows: empty segments are 0
  ];
  for (const c of cases) {
    it(`x ${JSON.stringify(c.x)}, ids ${JSON.stringify(c.ids)}, ${c.n} segments (with out-of-range ids)`, async () => {
      const rng = new Rng(`seg-${c.x}-${c.ids}`);
      const xv = randomArray(rng, sizeOf(c.x));
      const idv = new Int32Array(sizeOf(c.ids)).map(() => rng.int(-1, c.n + 1));
      const run = () => tf.unsortedSegmentSum(tf.tensor(xv, c.x), tf.tensor1d(idv, 'int32'), c.n).dataSync().slice();
      assertClose(await onBackend('wasm', run), await onBackend('cpu', run), 1e-6, 'segment sum');
    });
  }

  it('rejects ids that are not one per row of x, naming the shapes', async () => {
    await tf.setBackend('wasm');
    assert.throws(() => tf.unsortedSegmentSum(tf.ones([4, 5]), tf.zeros([4, 5], 'int32') as unknown as tf.Tensor1D, 3), /segmentIds must be 1-D.*\[4,5\]/);
    assert.throws(() => tf.unsortedSegmentSum(tf.ones([4, 5]), tf.zeros([3], 'int32'), 3), /segmentIds must be 1-D/);
  });

  it('int32 values', async () => {
    const run = () =>
      Array.from(tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2).dataSync());
    assert.deepEqual(await onBackend('wasm', run), [5, 6, 4, 6]);
  });

  it('gradient of tf.gather (embedding lookup) matches cpu', async () => {
    const rng = new Rng('gather-grad');
    const table = randomArray(rng, 12 * 5);
    const ids = new Int32Array([3, 3, 0, 11, 7, 3]);
    const w = randomArray(rng, ids.length * 5);
    const run = () => {
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), tf.tensor2d(w, [ids.length, 5])));
      return tf.grad(f)(tf.tensor2d(table, [12, 5])).dataSync().slice();
    };
    assertClose(await onBackend('wasm', run), await onBackend('cpu', run), 1e-6, 'gather grad');
  });
});
