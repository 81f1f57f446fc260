import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { trainTokenizer } from '../../src/text/tokenizer.js';
import { allowedInBoxState, boxStateAfter, nextBoxState } from '../../src/text/box-grammar.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { generate } from '../../src/model/generate.js';
import { responseLogProbs } from '../../src/model/logprobs.js';
import { promptIds } from '../../src/model/sequence.js';
import { Rng } from '../../src/util/rng.js';
import { VlmPolicy } from '../../src/train/grpo/policy.js';

const tok = trainTokenizer(['Effusion at the left base [1, 2, 3, 4]. No pneumothorax.'], { vocabSize: 700, coordBins: 16 });
const spec = { vocabSize: tok.vocabSize, imageSize: 32, patchSize: 8, mergePatches: 2, dModel: 32, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 64, maxLen: 48 };

/** Positions where an id sequence leaves the box grammar (hand rule: <box> then exactly 4 coordinates, coordinates nowhere else). */
function violations(ids: readonly number[]): number {
  let bad = 0;
  for (let i = 0; i < ids.length; i++) {
    let k = i;
    while (k > 0 && tok.isCoord(ids[k - 1])) k--; // coordinates directly before i
    const run = i - k;
    const opened = k > 0 && ids[k - 1] === tok.boxId;
    if (tok.isCoord(ids[i]) && !(opened && run < 4)) bad++;
    if (!tok.isCoord(ids[i]) && opened && run < 4) bad++;
  }
  return bad;
}

describe('box grammar (constrained decoding)', () => {
  it('tracks the coordinates an open box still owes', () => {
    const ids = tok.encode('at [1, 2, 3, 4].');
    const b = ids.indexOf(tok.boxId);
    assert.deepEqual(ids.slice(b, b + 5).map((id, i, a) => boxStateAfter(tok, a.slice(0, i + 1))), [4, 3, 2, 1, 0]);
    assert.equal(boxStateAfter(tok, ids), 0);
    assert.equal(nextBoxState(tok, 2, tok.eosId), 0, 'a text token in an open box resets (never sampled under the grammar)');
    assert.ok(allowedInBoxState(tok, 3, tok.coordId(7)) && !allowedInBoxState(tok, 3, tok.eosId));
    assert.ok(!allowedInBoxState(tok, 0, tok.coordId(7)) && allowedInBoxState(tok, 0, tok.boxId));
    assert.equal(violations(ids), 0, 'encoded text obeys the grammar');
  });

  describe('with an untrained model', () => {
    let model: VisionLanguageModel;
    before(async () => {
      await initBackend({ log: null });
      model = new VisionLanguageModel(spec, 5);
      model.params.get('head.w')!.assign(tf.mul(model.params.get('head.w')!, 20));
    });
    after(() => model.dispose());
    const pixels = (seed: number) => {
      const r = new Rng(seed);
      return Float32Array.from({ length: 1024 }, () => r.next());
    };
    const inputs = () => [1, 2, 3].map((s) => ({ pixels: pixels(s), prompt: promptIds(tok, 'Describe the findings.') }));

    it('samples only well-formed boxes, where unconstrained sampling does not', () => {
      const opts = { maxNewTokens: 40, temperature: 1, samplesPerPrompt: 4, rng: 9 };
      const free = generate(model, tok, inputs(), opts);
      const bound = generate(model, tok, inputs(), { ...opts, boxGrammar: true });
      assert.ok(free.reduce((s, g) => s + violations(g.tokens), 0) > 0, 'the untrained model breaks the grammar unconstrained');
      assert.equal(bound.reduce((s, g) => s + violations(g.tokens), 0), 0);
      assert.ok(bound.some((g) => g.tokens.includes(tok.boxId)), 'boxes are still written');
    });

    it('teacher-forced log-probs under the grammar equal the sampled ones', () => {
      const gens = generate(model, tok, inputs(), { maxNewTokens: 30, temperature: 1, samplesPerPrompt: 2, rng: 4, boxGrammar: true });
      const ins = inputs();
      const pix = tf.tensor3d(Float32Array.from(gens.flatMap((g) => Array.from(ins[g.promptIndex].pixels))), [gens.length, 32, 32]);
      const prompts = gens.map((g) => ins[g.promptIndex].prompt);
      const constrained = responseLogProbs(model, pix, prompts, gens.map((g) => g.tokens), 1, tok);
      const plain = responseLogProbs(model, pix, prompts, gens.map((g) => g.tokens), 1);
      const [lc, lf] = [constrained.logProbs.arraySync(), plain.logProbs.arraySync()];
      let higher = 0;
      gens.forEach((g, i) =>
        g.logProbs.forEach((v, j) => {
          assert.ok(Math.abs(v - lc[i][j]) < 1e-4, `row ${i} token ${j}: ${v} vs ${lc[i][j]}`);
          assert.ok(lc[i][j] >= lf[i][j] - 1e-5, 'renormalizing over fewer tokens never lowers a log-prob');
          if (lc[i][j] > lf[i][j] + 1e-3) higher++;
        }),
      );
      assert.ok(higher > 0, 'the mask changes the distribution');
      tf.dispose([pix, constrained.logProbs, constrained.mask, plain.logProbs, plain.mask]);
    });

    it('a GRPO policy with the grammar samples and scores under it (ratio 1 before an update)', () => {
      const policy = new VlmPolicy(model, tok, undefined, true);
      const prompts = inputs().map((x, i) => ({ id: `p${i}`, pixels: x.pixels, prompt: x.prompt, answer: 'none' }));
      const sampled = policy.sample(prompts, 3, { maxNewTokens: 30, temperature: 1, topP: 1, rng: new Rng(2) });
      assert.equal(sampled.reduce((s, g) => s + violations(g.tokens), 0), 0);
      const scored = policy.responseLogProbs(sampled.map((g) => prompts[g.promptIndex]), sampled.map((g) => g.tokens), 1);
      const lp = scored.logProbs.arraySync();
      sampled.forEach((g, i) => g.logProbs.forEach((v, j) => assert.ok(Math.abs(v - lp[i][j]) < 1e-4, `row ${i} token ${j}`)));
      tf.dispose([scored.logProbs, scored.mask]);
    });
  });
});
