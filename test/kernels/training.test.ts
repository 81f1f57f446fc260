/**
 * End to end: a few SFT steps of a smoke-sized model (the trainer's answerLoss, global-norm
 * clipping and AdamW) give the same loss curve and the same weights on wasm with the workbench's
 * kernels as on wasm with the stock kernels, within float tolerance, and generation with the KV
 * cache picks the same tokens with the same log-probs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { fastKernelsInstalled, installFastKernels, restoreStockKernels } from '../../src/kernels/index.js';
import { generate } from '../../src/model/generate.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { trainTokenizer } from '../../src/text/tokenizer.js';
import { AdamW, clipByGlobalNorm } from '../../src/train/optim.js';
import { answerLoss } from '../../src/train/sft.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose } from './kernels-helpers.js';

const tok = trainTokenizer(['Is there a pleural effusion? yes no', 'Describe the findings.'], { vocabSize: 800, coordBins: 16 });
const spec = { vocabSize: tok.vocabSize, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 32, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 64, maxLen: 48 };
const B = 4;
const T = 20;

function run(): { losses: number[]; weights: Float32Array; gen: { tokens: number[]; logProbs: number[] }[] } {
  const model = new VisionLanguageModel(spec, 5);
  const rng = new Rng('kernels-training');
  const S = spec.imageSize;
  const pixelsArr = Float32Array.from({ length: B * S * S }, () => rng.next());
  const ids = Int32Array.from({ length: B * (T + 1) }, () => rng.int(0, spec.vocabSize - 1));
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T >= 6 ? 1 : 0)); // answer-only loss
  const batch = {
    pixels: tf.tensor3d(pixelsArr, [B, S, S]),
    tokens: tf.tensor2d(ids.filter((_, i) => i % (T + 1) !== T), [B, T], 'int32'),
    targets: tf.tensor1d(ids.filter((_, i) => i % (T + 1) !== 0), 'int32'),
    lossMask: tf.tensor1d(mask),
    scored: mask.reduce((a, b) => a + b, 0),
    tokensIn: B * T,
  };
  const opt = new AdamW(model.params, model.decayed, { weightDecay: 0.01 });
  const byVar = new Map([...model.params].map(([n, v]) => [v.name, n]));
  const losses: number[] = [];
  for (let s = 0; s < 6; s++) {
    const { value, grads } = tf.variableGrads(() => answerLoss(model, batch), model.variables);
    losses.push(value.dataSync()[0]);
    const named = new Map<string, tf.Tensor>(Object.entries(grads).map(([vn, g]) => [byVar.get(vn)!, g]));
    const clipped = clipByGlobalNorm(named, 1.0);
    opt.apply(clipped.grads, 3e-3);
    tf.dispose([value, ...Object.values(grads), ...clipped.grads.values()]);
  }
  const weights = Float32Array.from([...model.params.values()].flatMap((v) => Array.from(v.dataSync())));
  const gen = generate(model, tok, [{ pixels: pixelsArr.subarray(0, S * S), prompt: [tok.bosId, 40, 41, 42] }], {
    maxNewTokens: 8,
    samplesPerPrompt: 3,
    temperature: 1,
    rng: 11,
  }).map((g) => ({ tokens: g.tokens, logProbs: g.logProbs }));
  tf.dispose([batch.pixels, batch.tokens, batch.targets, batch.lossMask]);
  opt.dispose();
  model.dispose();
  return { losses, weights, gen };
}

describe('kernels: smoke-sized SFT steps and generation, stock wasm vs wasm + workbench kernels', () => {
  let wasInstalled = false;
  before(async () => {
    assert.ok(await tf.setBackend('wasm'));
    wasInstalled = fastKernelsInstalled();
  });
  after(() => {
    restoreStockKernels();
    if (wasInstalled) installFastKernels('wasm');
  });

  it('same loss curve, weights and sampled tokens within float tolerance', () => {
    restoreStockKernels();
    const t0 = tf.memory().numTensors;
    const stock = run();
    const stockLeft = tf.memory().numTensors - t0;
    const notes = installFastKernels('wasm');
    assert.ok(notes.length > 0);
    const t1 = tf.memory().numTensors;
    const ours = run();
    assert.equal(tf.memory().numTensors - t1, stockLeft, 'our kernels leave no extra tensors');
    assert.ok(stock.losses[5] < stock.losses[0], `the loss goes down (${stock.losses})`);
    assertClose(ours.losses, stock.losses, 1e-5, 'loss curve');
    assertClose(ours.weights, stock.weights, 1e-4, 'weights after 6 steps');
    assert.deepEqual(
      ours.gen.map((g) => g.tokens),
      stock.gen.map((g) => g.tokens),
    );
    assertClose(ours.gen.flatMap((g) => g.logProbs), stock.gen.flatMap((g) => g.logProbs), 1e-4, 'generation log-probs');
  });
});
