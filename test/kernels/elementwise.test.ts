/**
 * Tanh (addon) and GatherV2 (heap row copies) on wasm against tfjs's cpu backend and Math.tanh:
 * values, special values, gradients, index errors, stock fallbacks.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { assertClose, onBackend, randomArray, sizeOf, useFastKernels, describeWithAddon } from './kernels-helpers.js';

describe('kernels: GatherV2 on wasm vs tfjs cpu', () => {
  useFastKernels();

  const cases: [number[], number[], number][] = [
    [[1400, 16], [37], 0], // embedding rows
    [[5, 7, 3], [2, 4], 1], // middle axis, 2-D indices
    [[4, 9], [9], 1], // last axis
    [[3], [1], 0],
  ];
  for (const [shape, idShape, axis] of cases) {
    it(`gather ${JSON.stringify(shape)} at ${JSON.stringify(idShape)} ids on axis ${axis}: float32 + gradient, int32`, async () => {
      const rng = new Rng(`g-${shape}-${idShape}-${axis}`);
      const xv = randomArray(rng, sizeOf(shape));
      const iv = new Int32Array(sizeOf(shape)).map(() => rng.int(-50, 50));
      const ids = new Int32Array(sizeOf(idShape)).map(() => rng.int(0, shape[axis] - 1));
      const outShape = [...shape.slice(0, axis), ...idShape, ...shape.slice(axis + 1)];
      const wv = randomArray(rng, sizeOf(outShape));
      const run = () => {
        const x = tf.tensor(xv, shape);
        const idx = tf.tensor(ids, idShape, 'int32');
        const y = tf.gather(x, idx, axis);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, axis), tf.tensor(wv, outShape))))(x);
        const yi = tf.gather(tf.tensor(iv, shape, 'int32'), idx, axis);
        return { y: Array.from(y.dataSync()), shape: y.shape, g: g.dataSync().slice(), yi: Array.from(yi.dataSync()) };
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(got.y, want.y);
      assert.deepEqual(got.yi, want.yi);
      assertClose(got.g, want.g, 1e-6, 'gradient');
    });
  }

  it('an index out of range is an error naming it, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([4, 2]);
    const before = tf.memory().numTensors;
    assert.throws(() => tf.gather(x, tf.tensor1d([1, 4], 'int32')), /index value 4 is not in \[0, 3\]/);
    assert.throws(() => tf.gather(x, tf.tensor1d([-1], 'int32')), /index value -1/);
    assert.equal(tf.memory().numTensors, before + 2); // only the two index tensors
    x.dispose();
  });

  it('batchDims = 1 goes to the stock kernel', async () => {
    const run = () => Array.from(tf.gather(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([2, 0, 1, 1], [2, 2], 'int32'), 1, 1).dataSync());
    assert.deepEqual(await onBackend('wasm', run), await onBackend('cpu', run));
  });
});

describe('kernels: Identity on wasm shares data without copying', () => {
  useFastKernels();

  it('clones keep their values after the source is disposed or a variable is reassigned, and free their data', () => {
    const backend = tf.backend();
    const dataIds0 = backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    assert.equal(backend.numDataIds(), dataIds0 + 1, 'the clone shares the data');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    const init = tf.tensor1d([5, 6]);
    const v = tf.variable(init);
    init.dispose();
    const snapshot = tf.clone(v);
    const next = tf.tensor1d([7, 8]);
    v.assign(next);
    next.dispose();
    assert.deepEqual(Array.from(snapshot.dataSync()), [5, 6]);
    assert.deepEqual(Array.from(v.dataSync()), [7, 8]);
    tf.dispose([y, v, snapshot]);
    assert.equal(backend.numDataIds(), dataIds0, 'all data freed');
  });

  it('gradients that save inputs (through the engine clone) match cpu', async () => {
    const run = () => {
      const x = tf.tensor2d([0.5, -1, 2, 3], [2, 2]);
      return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(t), tf.exp(t))))(x).dataSync());
    };
    assertClose(await onBackend('wasm', run), await onBackend('cpu', run), 1e-6, 'gradient');
  });
});

describeWithAddon('kernels: addon Tanh on wasm', () => {
  useFastKernels();

  it('matches Math.tanh to a few float ulps over [-12, 12], keeps ±0, ±Inf and NaN', async () => {
    const n = 200_001;
    const xv = new Float32Array(n).map((_, i) => ((i - (n - 1) / 2) / ((n - 1) / 2)) * 12);
    const special = new Float32Array([0, -0, Infinity, -Infinity, NaN, 1e-30, -1e-8, 0.2, -0.2, 0.19999999]);
    const [y, ys] = await onBackend('wasm', () => [tf.tanh(tf.tensor1d(xv)).dataSync().slice(), tf.tanh(tf.tensor1d(special)).dataSync().slice()]);
    let worstAbs = 0;
    let worstRel = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.tanh(xv[i]);
      const err = Math.abs(y[i] - want);
      worstAbs = Math.max(worstAbs, err);
      if (want !== 0) worstRel = Math.max(worstRel, err / Math.abs(want));
    }
    assert.ok(worstAbs < 2e-7, `worst absolute error ${worstAbs}`);
    assert.ok(worstRel < 1e-6, `worst relative error ${worstRel}`);
    assert.ok(Object.is(ys[0], 0) && Object.is(ys[1], -0), 'signed zeros');
    assert.deepEqual(Array.from(ys.slice(2, 4)), [1, -1]);
    assert.ok(Number.isNaN(ys[4]));
    for (let i = 5; i < special.length; i++) assertClose([ys[i]], [Math.tanh(special[i])], 1e-7, `tanh(${special[i]})`);
  });

  it('values and gradient match the cpu backend on a [33, 65] tensor', async () => {
    const rng = new Rng('tanh-grad');
    const xv = randomArray(rng, 33 * 65).map((v) => v * 4);
    const run = () => {
      const x = tf.tensor2d(xv, [33, 65]);
      return { y: tf.tanh(x).dataSync().slice(), g: tf.grad((t: tf.Tensor) => tf.sum(tf.tanh(t)))(x).dataSync().slice() };
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    assertClose(got.y, want.y, 1e-6, 'tanh');
    assertClose(got.g, want.g, 1e-6, 'gradient');
  });
});
