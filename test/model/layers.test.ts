import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { bmm, embed, linear, scatterAddRowsHost } from '../../src/model/layers.js';

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  const x = a.dataSync();
  const y = b.dataSync();
  assert.equal(x.length, y.length);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= tol * (1 + Math.abs(y[i])), `index ${i}: ${x[i]} vs ${y[i]}`);
}

describe('layers with hand-written gradients', () => {
  before(() => initBackend({ log: null }));

  it('linear and bmm gradients equal tfjs autodiff of the plain products', () => {
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
    const b = tf.randomNormal([4], 0, 1, 'float32', 3) as tf.Tensor1D;
    const f = (lin: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) => tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(lin(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D))));
    const ours = f((x, w, b) => linear(x, w, b))([x, w, b]);
    const ref = f((x, w, b) => tf.add(tf.matMul(x, w), b))([x, w, b]);
    ours.forEach((g, i) => close(g, ref[i]));
    const a3 = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 4) as tf.Tensor3D;
    const b3 = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 5) as tf.Tensor3D;
    const g1 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.cos(bmm(p as tf.Tensor3D, q as tf.Tensor3D))))([a3, b3]);
    const g2 = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.cos(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D))))([a3, b3]);
    g1.forEach((g, i) => close(g, g2[i]));
  });

  it('embedding gradient is a scatter-add of the output gradient (hand-worked), on the host path too', () => {
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    // d/dtable of sum(embed * c) with c rows [1,1],[2,2],[3,3]: row 2 gets [1+3, 1+3], row 0 gets [2, 2].
    const c = tf.tensor2d([[1, 1], [2, 2], [3, 3]]);
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(embed(t as tf.Tensor2D, ids), c)))([table]);
    assert.deepEqual(g.arraySync(), [[2, 2], [0, 0], [4, 4]]);
    assert.deepEqual(scatterAddRowsHost(c, ids, 3).arraySync(), [[2, 2], [0, 0], [4, 4]]);
    assert.deepEqual(embed(table, ids).arraySync(), [[5, 6], [1, 2], [5, 6]]);
  });
});
