import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { trainTokenizer } from '../../src/text/tokenizer.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { generate, pick } from '../../src/model/generate.js';
import { responseLogProbs } from '../../src/model/logprobs.js';
import { promptIds } from '../../src/model/sequence.js';
import { Rng } from '../../src/util/rng.js';

const tok = trainTokenizer(['Is there a pleural effusion? yes no', 'Describe the findings.'], { vocabSize: 800, coordBins: 16 });
const spec = { vocabSize: tok.vocabSize, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 32, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 64, maxLen: 48 };

function image(seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: 1024 }, () => r.next());
}

describe('generation with a KV cache', () => {
  let model: VisionLanguageModel;
  before(async () => {
    await initBackend({ log: null });
    model = new VisionLanguageModel(spec, 3);
    // Scale the head up so the distribution is far from uniform and sampling is not degenerate.
    model.params.get('head.w')!.assign(tf.mul(model.params.get('head.w')!, 40));
  });
  after(() => model.dispose());

  const inputs = () => [
    { pixels: image(1), prompt: promptIds(tok, 'Is there a pleural effusion?') },
    { pixels: image(2), prompt: promptIds(tok, 'Describe the findings.') },
  ];

  for (const [label, temperature, topP] of [['greedy', 0, 1], ['temperature 1.3, top-p 0.9', 1.3, 0.9]] as const) {
    it(`cached and uncached decoding give the same tokens and log-probs (${label})`, () => {
      const opts = { maxNewTokens: 12, temperature, topP, samplesPerPrompt: 3 };
      generate(model, tok, inputs(), { ...opts, rng: 11 }); // warm-up: builds the cached mask once
      const before = tf.memory().numTensors;
      const a = generate(model, tok, inputs(), { ...opts, rng: 11, useCache: true });
      const b = generate(model, tok, inputs(), { ...opts, rng: 11, useCache: false });
      assert.equal(tf.memory().numTensors, before, 'generation leaks no tensors');
      assert.equal(a.length, 6);
      for (let i = 0; i < a.length; i++) {
        assert.deepEqual(a[i].tokens, b[i].tokens, `row ${i}`);
        assert.equal(a[i].logProbs.length, a[i].tokens.length);
        a[i].logProbs.forEach((lp, j) => assert.ok(Math.abs(lp - b[i].logProbs[j]) < 1e-4, `row ${i} token ${j}: ${lp} vs ${b[i].logProbs[j]}`));
      }
      if (temperature > 0) assert.ok(new Set(a.slice(0, 3).map((g) => g.tokens.join(','))).size > 1, 'G samples differ');
    });
  }

  it('teacher-forced responseLogProbs reproduce the sampled log-probs', () => {
    const gens = generate(model, tok, inputs(), { maxNewTokens: 10, temperature: 1, samplesPerPrompt: 2, rng: 5 });
    const ins = inputs();
    const prompts = gens.map((g) => ins[g.promptIndex].prompt);
    const pix = tf.tensor3d(Float32Array.from(gens.flatMap((g) => Array.from(ins[g.promptIndex].pixels))), [gens.length, 32, 32]);
    const { logProbs, mask } = responseLogProbs(model, pix, prompts, gens.map((g) => g.tokens), 1);
    const lp = logProbs.arraySync();
    const m = mask.arraySync();
    gens.forEach((g, i) => {
      assert.equal(m[i].reduce((x, y) => x + y, 0), g.tokens.length);
      g.logProbs.forEach((v, j) => assert.ok(Math.abs(v - lp[i][j]) < 1e-4, `row ${i} token ${j}: ${v} vs ${lp[i][j]}`));
    });
    tf.dispose([pix, logProbs, mask]);
  });

  it('stops a row at EOS and reports it', () => {
    // Make EOS overwhelmingly likely: final-norm bias 10 on feature 0, head weight 100 from it to EOS.
    const head = model.params.get('head.w')!;
    const lnb = model.params.get('dec.ln.b')!;
    const [savedHead, savedLnb] = [head.clone(), lnb.clone()];
    lnb.assign(tf.oneHot(tf.tensor1d([0], 'int32'), spec.dModel).reshape([spec.dModel]).mul(10) as tf.Tensor1D);
    const bump = tf.tensor2d([[100]]).pad([[0, spec.dModel - 1], [tok.eosId, spec.vocabSize - tok.eosId - 1]]);
    head.assign(tf.add(head, bump) as tf.Tensor2D);
    const g = generate(model, tok, inputs(), { maxNewTokens: 8, samplesPerPrompt: 2, temperature: 1, rng: 3 });
    head.assign(savedHead);
    lnb.assign(savedLnb);
    tf.dispose([savedHead, savedLnb, bump]);
    assert.equal(g.length, 4);
    for (const x of g) {
      assert.equal(x.stopped, true);
      assert.deepEqual(x.tokens, [tok.eosId]);
      assert.equal(x.text, '');
    }
  });

  it('top-p keeps only the nucleus and greedy picks the arg-max with its log-prob', () => {
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    const greedy = pick(logits, 0, 1, new Rng(1));
    assert.equal(greedy.id, 0);
    assert.ok(Math.abs(greedy.logp - Math.log(0.5)) < 1e-6);
    const seen = new Set<number>();
    const r = new Rng(2);
    for (let i = 0; i < 400; i++) seen.add(pick(logits, 1, 0.75, r).id); // nucleus {0, 1}: 0.5 + 0.3 ≥ 0.75
    assert.deepEqual([...seen].sort(), [0, 1]);
  });
});
