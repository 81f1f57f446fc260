import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { countParams, paramShapes } from '../../src/model/spec.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';

describe('vision-language model', () => {
  before(() => initBackend({ log: null }));

  it('the 2×2 patch merger makes each prefix token from its own 2×2 block of patches', () => {
    // No encoder blocks: a prefix token can only depend on the pixels of the patches merged into it.
    const spec = { vocabSize: 50, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 8, nLayers: 1, encoderLayers: 0, nHeads: 2, dFf: 16, maxLen: 8 };
    const m = new VisionLanguageModel(spec, 1);
    assert.equal(m.numPrefix, 4);
    const base = new Float32Array(32 * 32).fill(0.3);
    const poked = base.slice();
    for (let y = 16; y < 32; y++) for (let x = 0; x < 16; x++) poked[y * 32 + x] = 0.9; // bottom-left 16×16 block
    const [a, b] = [base, poked].map((p) => m.encodeImages(tf.tensor3d(p, [1, 32, 32])).arraySync()[0]);
    const changed = a.map((row, i) => row.some((v, j) => Math.abs(v - b[i][j]) > 1e-6));
    assert.deepEqual(changed, [false, false, true, false]); // prefix order: row-major over the 2×2 grid of merged blocks
    m.dispose();
  });

  it('counts parameters from the spec and rejects inconsistent specs', () => {
    const spec = { vocabSize: 100, imageSize: 16, patchSize: 8, dModel: 16, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 32, maxLen: 20 };
    const m = new VisionLanguageModel(spec, 1);
    assert.equal(countParams(spec), m.variables.reduce((a, v) => a + v.size, 0));
    assert.equal(paramShapes(spec).length, m.params.size);
    m.dispose();
    assert.throws(() => new VisionLanguageModel({ ...spec, dModel: 18 }, 1), /not a multiple of nHeads/);
    assert.throws(() => new VisionLanguageModel({ ...spec, imageSize: 20 }, 1), /not a multiple of patchSize/);
    assert.throws(() => new VisionLanguageModel({ ...spec, mergePatches: 3 }, 1), /mergePatches/);
  });

  it('same seed, same weights; text positions start at each row’s first token', () => {
    const spec = { vocabSize: 40, imageSize: 16, patchSize: 8, dModel: 8, nLayers: 1, encoderLayers: 1, nHeads: 2, dFf: 16, maxLen: 10 };
    const [m1, m2] = [new VisionLanguageModel(spec, 5), new VisionLanguageModel(spec, 5)];
    for (const [k, v] of m1.params) assert.deepEqual(v.dataSync(), m2.params.get(k)!.dataSync());
    // A left-padded row gives the same logits for its real tokens as the unpadded row.
    const pix = tf.fill([1, 16, 16], 0.5) as tf.Tensor3D;
    const plain = m1.forward(pix, tf.tensor2d([[1, 7, 9]], [1, 3], 'int32')).arraySync();
    const padded = m1
      .forward(pix, tf.tensor2d([[0, 0, 1, 7, 9]], [1, 5], 'int32'), {
        posIds: tf.tensor2d([[0, 0, 0, 1, 2]], [1, 5], 'int32'),
        keyMask: tf.tensor4d([[[[-1e9, -1e9, 0, 0, 0]]]]),
      })
      .arraySync();
    plain.forEach((row, t) => row.forEach((v, j) => assert.ok(Math.abs(v - padded[t + 2][j]) < 1e-4)));
    m1.dispose();
    m2.dispose();
  });
});
