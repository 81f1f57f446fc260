/**
 * The addon's Exp and broadcasting comparisons, and the typed-array Cast, on wasm against tfjs's
 * cpu backend and Math.exp: values, special values (NaN, ±Inf, subnormals), broadcasting
 * patterns, gradients (Max's gradient runs Equal; logSumExp runs Exp), stock fallbacks.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { broadcastStrides } from '../../src/kernels/elementwise-native.js';
import { assertClose, onBackend, randomArray, sizeOf, useFastKernels, describeWithAddon } from './kernels-helpers.js';

describe('kernels: broadcast strides', () => {
  it('broadcasts, drops size-1 dims and merges contiguous dims', () => {
    assert.deepEqual(broadcastStrides([4, 5], [4, 1]), { shape: [4, 5], outShape: [4, 5], a: [5, 1], b: [1, 0] });
    assert.deepEqual(broadcastStrides([2, 3, 4], [2, 3, 4]), { shape: [24], outShape: [2, 3, 4], a: [1], b: [1] });
    assert.deepEqual(broadcastStrides([2, 3, 4], [4]), { shape: [6, 4], outShape: [2, 3, 4], a: [4, 1], b: [0, 1] });
    assert.deepEqual(broadcastStrides([1], [1]), { shape: [1], outShape: [1], a: [0], b: [0] });
    assert.equal(broadcastStrides([2, 3], [3, 2]), null);
  });
});

describeWithAddon('kernels: addon Exp and comparisons, Cast, on wasm vs tfjs cpu', () => {
  useFastKernels();

  it('exp matches Math.exp to a few float ulps over [-110, 95], with Inf, 0, subnormals and NaN', async () => {
    const n = 100_001;
    const xv = new Float32Array(n).map((_, i) => -110 + (205 * i) / (n - 1));
    const special = new Float32Array([0, -0, Infinity, -Infinity, NaN, 88.7, 88.8, -87.5, -100, -103.9, -104.5, 1e-8]);
    const [y, ys] = await onBackend('wasm', () => [tf.exp(tf.tensor1d(xv)).dataSync().slice(), tf.exp(tf.tensor1d(special)).dataSync().slice()]);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.fround(Math.exp(xv[i]));
      if (want === Infinity) assert.equal(y[i], Infinity, `exp(${xv[i]})`);
      else if (want < 1.2e-38) assert.ok(Math.abs(y[i] - want) <= 2e-45 * 4, `subnormal exp(${xv[i]}): ${y[i]} vs ${want}`);
      else worst = Math.max(worst, Math.abs(y[i] - want) / want);
    }
    assert.ok(worst < 5e-7, `worst relative error ${worst}`);
    assert.deepEqual(Array.from(ys.slice(0, 4)), [1, 1, Infinity, 0]);
    assert.ok(Number.isNaN(ys[4]));
    for (let i = 5; i < special.length; i++) {
      const want = Math.fround(Math.exp(special[i]));
      if (want === Infinity) {
        assert.equal(ys[i], Infinity, `exp(${special[i]})`);
        continue;
      }
      assert.ok(Math.abs(ys[i] - want) <= Math.max(5e-7 * want, 1e-44), `exp(${special[i]}) = ${ys[i]}, want ${want}`);
    }
  });

  it('logSumExp values and gradient (Exp, Max and its Equal-based gradient) match cpu', async () => {
    const rng = new Rng('lse');
    const xv = randomArray(rng, 37 * 101).map((v) => v * 20);
    xv[5] = xv[6] = 30; // ties in one row's max
    const run = () => {
      const x = tf.tensor2d(xv, [37, 101]);
      return {
        y: tf.logSumExp(x, 1).dataSync().slice(),
        g: tf.grad((t: tf.Tensor) => tf.sum(tf.logSumExp(t, 1)))(x).dataSync().slice(),
        gm: tf.grad((t: tf.Tensor) => tf.sum(tf.max(t, 1)))(x).dataSync().slice(),
      };
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    assertClose(got.y, want.y, 1e-6, 'logSumExp');
    assertClose(got.g, want.g, 1e-6, 'logSumExp gradient');
    assert.deepEqual(Array.from(got.gm), Array.from(want.gm));
  });

  const pairs: [number[], number[]][] = [
    [[9, 13], [9, 1]],
    [[9, 13], [13]],
    [[2, 3, 4], [2, 3, 4]],
    [[1, 3, 1], [4, 1, 5]],
    [[], [6]],
  ];
  for (const [as, bs] of pairs) {
    it(`comparisons ${JSON.stringify(as)} vs ${JSON.stringify(bs)}, float32 (with NaN, ±0) and int32`, async () => {
      const rng = new Rng(`cmp-${as}-${bs}`);
      const pool = [0, -0, 1, -1, 2.5, NaN, Infinity];
      const av = new Float32Array(sizeOf(as)).map(() => pool[rng.int(0, pool.length - 1)]);
      const bv = new Float32Array(sizeOf(bs)).map(() => pool[rng.int(0, pool.length - 1)]);
      const ai = new Int32Array(sizeOf(as)).map(() => rng.int(-2, 2));
      const bi = new Int32Array(sizeOf(bs)).map(() => rng.int(-2, 2));
      const ops = [tf.equal, tf.notEqual, tf.less, tf.lessEqual, tf.greater, tf.greaterEqual];
      const run = () =>
        ops.map((op) => {
          const f = op(tf.tensor(av, as), tf.tensor(bv, bs));
          const i = op(tf.tensor(ai, as, 'int32'), tf.tensor(bi, bs, 'int32'));
          return { f: Array.from(f.dataSync()), i: Array.from(i.dataSync()), shape: f.shape, dtype: f.dtype };
        });
      assert.deepEqual(await onBackend('wasm', run), await onBackend('cpu', run));
    });
  }

  // int32 -> float32 rounds to float32 (2^31 - 1 -> 2^31) like the stock wasm kernel; tfjs cpu
  // keeps the int values unrounded, so the reference for that cast is Math.fround.
  it('cast bool/int32 -> float32 and bool -> int32; other casts go to the stock kernel', async () => {
    const run = () => {
      const b = tf.tensor1d([true, false, true], 'bool');
      const i = tf.tensor1d([-3, 0, 2147483647], 'int32');
      const f = tf.tensor1d([1.7, -1.7, 3e9]);
      return [b.cast('float32'), b.cast('int32'), i.cast('float32'), f.cast('int32'), f.cast('bool'), i.cast('bool'), f.cast('float32'), i.cast('int32')].map((t) => ({
        v: Array.from(t.dataSync()),
        dtype: t.dtype,
      }));
    };
    const got = await onBackend('wasm', run);
    assert.deepEqual(got.slice(0, 2), (await onBackend('cpu', run)).slice(0, 2));
    assert.deepEqual(got[0], { v: [1, 0, 1], dtype: 'float32' });
    assert.deepEqual(got[2], { v: [-3, 0, Math.fround(2147483647)], dtype: 'float32' });
    assert.equal(got[3].dtype, 'int32');
    assert.deepEqual(got[6], { v: [Math.fround(1.7), Math.fround(-1.7), 3e9], dtype: 'float32' }); // same dtype: shared data
    assert.deepEqual(got[7], { v: [-3, 0, 2147483647], dtype: 'int32' });
    assert.deepEqual(got[3].v.slice(0, 2), [1, -1]);
  });
});
