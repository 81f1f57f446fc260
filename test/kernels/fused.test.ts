/**
 * The fused kernels (src/kernels/fused.ts, native/fused.c, native/attention.c) against the stock
 * path they replace — the same model functions with the workbench's kernels removed — for values
 * and gradients, on random and edge shapes (one row, sizes that are no multiple of a vector
 * block, broadcast batch masks, masked positions, ids outside the vocabulary), and inputs the
 * fused kernels do not take, which must take the stock path (no Dmx kernel call) and agree with it.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { installFastKernels, restoreStockKernels } from '../../src/kernels/index.js';
import { profileKernels } from '../../src/kernels/profile.js';
import { KvCache, selfAttention } from '../../src/model/attention.js';
import { gelu, hasFusedKernels, layerNorm, runKernel } from '../../src/model/layers.js';
import { generate } from '../../src/model/generate.js';
import { targetLogProbs } from '../../src/model/logprobs.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { trainTokenizer } from '../../src/text/tokenizer.js';
import { AdamW } from '../../src/train/optim.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, describeWithAddon, randomArray, sizeOf, useFastKernels } from './kernels-helpers.js';

type Arrays = Float32Array[];

/** Run `fn` with the fused kernels, then with the stock ones; both results as plain arrays. */
function bothWays(fn: () => tf.Tensor[]): { fused: Arrays; stock: Arrays } {
  const run = () => tf.tidy(() => fn().map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a)));
  assert.ok(hasFusedKernels(), 'fused kernels installed');
  const fused = run();
  restoreStockKernels();
  assert.ok(!hasFusedKernels());
  try {
    return { fused, stock: run() };
  } finally {
    installFastKernels('wasm');
  }
}

function compare(r: { fused: Arrays; stock: Arrays }, tol: number, what: string): void {
  assert.equal(r.fused.length, r.stock.length);
  r.fused.forEach((a, i) => assertClose(a, r.stock[i], tol, `${what} [output ${i}]`));
}

/** Kernel calls by name while `fn` runs. */
function kernelCalls(fn: () => void): Map<string, number> {
  const prof = profileKernels('wasm');
  try {
    tf.tidy(fn);
  } finally {
    prof.stop();
  }
  return new Map(prof.report().map((t) => [t.kernel, t.calls]));
}

const rnd = (rng: Rng, shape: number[], scale = 1) => tf.tensor(randomArray(rng, sizeOf(shape)).map((v) => v * scale), shape);

/** Value and gradients of sum(f(inputs) · w) for a fixed random weighting w. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: string): tf.Tensor[] {
  const y = f(...inputs);
  const w = rnd(new Rng(seed), y.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
  return [y, ...grads];
}

describeWithAddon('kernels: fused layer norm, GELU, attention, log-softmax and AdamW vs the stock path', () => {
  useFastKernels();

  it('layer norm: values and gradients for x, gain and bias (1 row, odd widths, 128 wide)', () => {
    for (const [rows, d] of [[1, 7], [37, 128], [5, 3], [300, 33]]) {
      const rng = new Rng(`ln-${rows}-${d}`);
      const x = rnd(rng, [rows, d], 3);
      const g = rnd(rng, [d]);
      const b = rnd(rng, [d]);
      const r = bothWays(() => valueAndGrads((x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), [x, g, b], 'w'));
      compare(r, 2e-5, `layerNorm [${rows}, ${d}]`);
      tf.dispose([x, g, b]);
    }
  });

  it('GELU: values and gradients, including 0, ±10 and large inputs', () => {
    const rng = new Rng('gelu');
    const edge = tf.tensor2d([[0, -0, 10, -10, 30, -30, 1e-3, -1e-3, 0.5]]);
    const x = rnd(rng, [13, 517], 4);
    for (const t of [edge, x]) compare(bothWays(() => valueAndGrads((x) => gelu(x as tf.Tensor2D), [t], 'w')), 2e-6, `gelu [${t.shape}]`);
    tf.dispose([edge, x]);
  });

  it('attention: values and qkv gradients without a mask, with a causal [T, T] mask and with a [B, 1, T, T] key-pad + causal mask', () => {
    for (const [B, T, H, dh] of [[1, 1, 1, 4], [3, 7, 2, 5], [2, 40, 4, 32]]) {
      const rng = new Rng(`attn-${B}-${T}`);
      const qkv = rnd(rng, [B * T, 3 * H * dh], 2);
      const causal = tf.tensor2d(Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
      // Row b's first b keys are pads, masked for every query (with the causal mask, the first queries of
      // rows 1 and 2 see no key at all: a fully masked row).
      const pad = tf.tensor4d(Float32Array.from({ length: B * T }, (_, i) => (i % T < Math.floor(i / T) ? -1e9 : 0)), [B, 1, 1, T]);
      const both = tf.add(causal, pad);
      for (const [name, mask] of [['none', null], ['causal', causal], ['pad+causal', both]] as const) {
        const r = bothWays(() => valueAndGrads((q) => selfAttention(q as tf.Tensor2D, B, T, H, mask), [qkv], 'w'));
        compare(r, 2e-5, `attention B${B} T${T} H${H} dh${dh} mask ${name}`);
      }
      tf.dispose([qkv, causal, pad, both]);
    }
  });

  it('attention with a per-head mask [B, H, T, T] takes the stock path and agrees with it', () => {
    const [B, T, H, dh] = [2, 5, 2, 3];
    const rng = new Rng('attn-per-head');
    const qkv = rnd(rng, [B * T, 3 * H * dh]);
    const mask = tf.tensor4d(Float32Array.from({ length: B * H * T * T }, (_, i) => (i % 3 === 0 ? -1e9 : 0)), [B, H, T, T]);
    const calls = kernelCalls(() => selfAttention(qkv as tf.Tensor2D, B, T, H, mask));
    assert.equal(calls.get('DmxAttention'), undefined, 'no fused call');
    compare(bothWays(() => valueAndGrads((q) => selfAttention(q as tf.Tensor2D, B, T, H, mask), [qkv], 'w')), 1e-6, 'per-head mask');
    tf.dispose([qkv, mask]);
  });

  it('log-softmax at targets: values and logit gradients at T = 1 and 0.7, one row, ids outside the vocabulary', () => {
    for (const [N, V, temp] of [[1, 3, 1], [50, 1400, 1], [9, 17, 0.7]]) {
      const rng = new Rng(`lsm-${N}-${V}`);
      const logits = rnd(rng, [N, V], 5);
      const ids = Int32Array.from({ length: N }, (_, i) => (i === 1 ? V : i === 2 ? -1 : rng.int(0, V - 1)));
      const targets = tf.tensor1d(ids, 'int32');
      const r = bothWays(() => valueAndGrads((l) => targetLogProbs(l as tf.Tensor2D, targets, temp), [logits], 'w'));
      compare(r, 2e-5, `targetLogProbs N${N} V${V} T${temp}`);
      tf.dispose([logits, targets]);
    }
  });

  it('layer norm with a broadcast gain and log-probs at temperature 0 take the stock path', () => {
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
    const g1 = tf.tensor1d([2]);
    const calls = kernelCalls(() => {
      layerNorm(x, g1, g1);
      targetLogProbs(x, tf.tensor1d([0, 1, 2, 3], 'int32'), 0);
    });
    assert.equal(calls.get('DmxLayerNorm'), undefined);
    assert.equal(calls.get('DmxLogSoftmaxPick'), undefined);
    compare(bothWays(() => [layerNorm(x, g1, g1)]), 1e-6, 'broadcast gain');
    tf.dispose([x, g1]);
  });

  it('the kernels refuse what they do not handle instead of computing it wrongly', () => {
    tf.tidy(() => {
      const xi = tf.tensor2d([[1, 2]], [1, 2], 'int32');
      assert.throws(() => runKernel('DmxLayerNorm', { x: xi, g: tf.ones([2]), b: tf.zeros([2]) }), /float32/);
      assert.throws(() => runKernel('DmxAttention', { qkv: tf.zeros([6, 12]) }, { batch: 4, heads: 2 }), /does not split/);
      assert.throws(() => runKernel('DmxAttention', { qkv: tf.zeros([4, 12]), mask: tf.zeros([2, 3, 2]) }, { batch: 2, heads: 2 }), /mask/);
      const kc = tf.zeros([1, 4, 4]);
      const shared = tf.reshape(kc, [4, 4]); // shares kc's data: writing kc in place would change it
      assert.throws(() => runKernel('DmxAttendCache', { qkv: tf.zeros([1, 12]), kCache: kc, vCache: tf.zeros([1, 4, 4]) }, { batch: 1, heads: 1, pos: 0 }), /in place/);
      assert.throws(() => runKernel('DmxAttendCache', { qkv: tf.zeros([1, 12]), kCache: tf.zeros([1, 4, 4]), vCache: tf.zeros([1, 4, 4]) }, { batch: 1, heads: 1, pos: 4 }), /do not fit/);
      shared.dispose();
    });
  });

  it('KV cache written in place: step by step the same as the stock cache grown by concatenation, with a key-pad mask wider than the keys', () => {
    const [B, H, dh, L] = [3, 2, 5, 9];
    const d = H * dh;
    const rng = new Rng('kv');
    const steps = [4, 1, 1, 2, 1]; // a prefill of 4 positions, then single tokens (and one pair)
    const qkvs = steps.map((t) => randomArray(rng, B * t * 3 * d));
    const pad = Float32Array.from({ length: B * L }, (_, i) => (i % L < Math.floor(i / L) ? -1e9 : 0)); // row b: b pads
    /** Every step's output of one cache layer, the step's mask made by `maskFor(Tq, Tk)`. */
    const runWith = (maskFor: (Tq: number, Tk: number) => tf.Tensor): tf.Tensor[] => {
      const cache = new KvCache(1, B, L, d, H);
      const outs = steps.map((t, s) => {
        const o = cache.attend(0, tf.tensor2d(qkvs[s], [B * t, 3 * d]), t, maskFor(t, cache.length + t));
        cache.advance(t);
        return o;
      });
      cache.dispose();
      return outs;
    };
    const runSteps = () => runWith(() => tf.tensor4d(pad, [B, 1, 1, L]));
    compare(bothWays(runSteps), 2e-6, 'KV-cached attention');
    // A per-head mask the fused cache kernel does not take: it still stores the keys, and the stock ops attend.
    const perHead = () => runWith((t, Tk) => tf.tensor4d(Float32Array.from({ length: B * H * t * Tk }, (_, i) => (i % 4 === 1 ? -1e9 : 0)), [B, H, t, Tk]));
    compare(bothWays(perHead), 2e-6, 'KV-cached attention, per-head mask');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      runSteps();
    });
    assert.equal(tf.memory().numTensors, before, 'the cache leaves no tensors behind');
  });

  it('generation: the whole decoder block in one call (DmxDecoderStep) picks the same tokens with the same log-probs as the block composed of fused kernels', () => {
    const tok = trainTokenizer(['Is there a pleural effusion? yes no'], { vocabSize: 600, coordBins: 16 });
    const spec = { vocabSize: tok.vocabSize, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 24, nLayers: 2, encoderLayers: 1, nHeads: 3, dFf: 40, maxLen: 40 };
    const model = new VisionLanguageModel(spec, 9);
    const rng = new Rng('step');
    const inputs = [0, 1].map((i) => ({ pixels: Float32Array.from({ length: 32 * 32 }, () => rng.next()), prompt: [tok.bosId, 40 + i, 41, ...(i ? [42, 43] : [])] }));
    const run = () => generate(model, tok, inputs, { maxNewTokens: 12, samplesPerPrompt: 3, temperature: 1, rng: 5 });
    let whole: ReturnType<typeof run> = [];
    const calls = kernelCalls(() => {
      whole = run();
    });
    assert.equal(calls.get('DmxDecoderStep'), 2 * Math.max(...whole.map((g) => g.tokens.length)), 'two layers × every step, the prefill included');
    const step = tf.getKernel('DmxDecoderStep', 'wasm')!;
    tf.unregisterKernel('DmxDecoderStep', 'wasm');
    let composed: ReturnType<typeof run>;
    try {
      composed = run();
    } finally {
      tf.registerKernel(step);
    }
    model.dispose();
    assert.deepEqual(whole.map((g) => g.tokens), composed.map((g) => g.tokens));
    assertClose(whole.flatMap((g) => g.logProbs), composed.flatMap((g) => g.logProbs), 1e-5, 'log-probs');
  });

  it('AdamW in one call: the same weights and moments as the stock update over 3 steps (decayed and not, a missing gradient)', () => {
    const shapes: Record<string, number[]> = { w: [17, 9], b: [9], e: [1] };
    const run = () => {
      const params = new Map(Object.entries(shapes).map(([n, s]) => [n, tf.variable(tf.tensor(randomArray(new Rng(`p-${n}`), sizeOf(s)), s))]));
      const opt = new AdamW(params, new Set(['w']), { weightDecay: 0.1 });
      for (let step = 0; step < 3; step++) {
        const grads = new Map<string, tf.Tensor>();
        for (const [n, s] of Object.entries(shapes)) if (!(n === 'e' && step === 1)) grads.set(n, tf.tensor(randomArray(new Rng(`g-${n}-${step}`), sizeOf(s)), s));
        opt.apply(grads, 0.05);
        tf.dispose([...grads.values()]);
      }
      const out = [...params.values(), ...opt.m.values(), ...opt.v.values()].map((t) => tf.clone(t));
      opt.dispose();
      params.forEach((p) => p.dispose());
      return out;
    };
    compare(bothWays(run), 1e-6, 'AdamW');
  });
});
