import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import type { Tokenizer } from '../../src/text/tokenizer.js';
import { beyondNoise, noiseBand, noiseFloor, noiseFloorMarkdown, perturbedCopy, rmsWeightDistance, type NoiseFloor } from '../../src/eval/noise-floor.js';
import { predictRecords, type Prediction } from '../../src/eval/predict.js';
import { tinyDataset, tinyModel } from '../train/fixtures.js';

function weights(m: VisionLanguageModel): Map<string, Float32Array> {
  return new Map([...m.params].map(([name, v]) => [name, v.dataSync() as Float32Array]));
}

describe('noise floor of a benchmark score under weight perturbation', () => {
  // Hand-worked band: unperturbed 0.5, perturbed 0.25, 0.75, 0.625 (all exact in binary).
  // mean 13/24; deviations from the mean −7/24, 5/24, 2/24: sum of squares 78/576, / (n − 1) = 39/576,
  // sd = √39 / 24 = 0.26020824…; largest distance from 0.5: |0.25 − 0.5| = |0.75 − 0.5| = 0.25.
  it('summarizes a measure: min, max, mean, sample sd and the largest deviation from the unperturbed score', () => {
    const b = noiseBand(0.5, [0.25, 0.75, 0.625]);
    assert.equal(b.n, 3);
    assert.equal(b.min, 0.25);
    assert.equal(b.max, 0.75);
    assert.ok(Math.abs(b.mean - 13 / 24) < 1e-15);
    assert.ok(Math.abs(b.sd! - 0.26020824) < 1e-8, `sd ${b.sd}`);
    assert.equal(b.maxDeviation, 0.25);
    // One-sided: every copy scored higher than the model itself (0.5 → 0.625, 0.5625): the band is 0.125 wide.
    assert.equal(noiseBand(0.5, [0.625, 0.5625]).maxDeviation, 0.125);
    assert.equal(noiseBand(0.5, [0.625]).sd, null);
    assert.throws(() => noiseBand(0.5, []), /no perturbed scores/);
  });

  it('calls a difference beyond the noise only when it is strictly larger than the largest deviation', () => {
    const b = noiseBand(0.5, [0.25, 0.75, 0.625]);
    assert.equal(beyondNoise(0.25, b), false, 'a difference equal to the largest move is inside the band');
    assert.equal(beyondNoise(-0.25, b), false);
    assert.equal(beyondNoise(0.1, b), false);
    assert.equal(beyondNoise(0.2500001, b), true);
    assert.equal(beyondNoise(-0.3, b), true, 'a loss beyond the band is outside it too');
  });

  it('writes the band and the verdict per measure in a Markdown table', () => {
    const floor: NoiseFloor<'report' | 'vqa'> = {
      sigma: 0.001,
      unperturbed: { scores: { report: 0.5, vqa: null }, predictions: [] },
      perturbed: [
        { seed: 1, scores: { report: 0.25, vqa: null }, predictions: [{ id: 'a', text: 'x' }], changed: 1 },
        { seed: 2, scores: { report: 0.75, vqa: null }, predictions: [{ id: 'a', text: 'y' }], changed: 0 },
      ],
      band: { report: noiseBand(0.5, [0.25, 0.75]), vqa: null },
    };
    const lines = (report: number) => noiseFloorMarkdown(floor, { name: 'B', scores: { report, vqa: 0.2 } }).split('\n');
    assert.match(lines(0.8)[0], /σ = 0\.001, seeds 1, 2\) \| mean ± sd \| max deviation \| B − unperturbed \|/);
    // B − unperturbed = 0.8 − 0.5 = +0.3 > 0.25: beyond; 0.4 − 0.5 = −0.1: inside. Band of 0.25, 0.75: mean 0.5, sd √0.125 = 0.3536.
    assert.match(lines(0.8)[2], /^\| report \| 0\.5000 \| 0\.2500, 0\.7500 \| 0\.5000 ± 0\.3536 \| 0\.2500 \| \+0\.3000 \| yes \|$/);
    assert.match(lines(0.4)[2], /\| -0\.1000 \| no \|$/);
    assert.match(lines(0.8)[3], /^\| vqa \| – \| –, – \| – \| – \| – \| – \|$/);
    assert.match(lines(0.8).at(-1)!, /per seed\): 1\/1, 0\/1\./);
  });

  describe('on a tiny model', function () {
    this.timeout(60_000);
    let data: { root: string; records: InstructionRecord[] };
    let tok: Tokenizer;
    let model: VisionLanguageModel;
    const predict = () => ({ imageRoot: data.root, quiet: true, maxNewTokens: 10, batchSize: 4 });
    // A score that can be checked by hand from the predictions: mean output length in characters, and a measure that never applies.
    const score = (p: Prediction[]) => ({ meanChars: p.reduce((a, x) => a + x.text.length, 0) / p.length, never: null });

    before(async () => {
      await initBackend({ log: null });
      data = await tinyDataset(3);
      ({ tok, model } = tinyModel(5));
      await predictRecords(model, tok, data.records, predict()); // builds the model's cached attention mask once
    });
    after(() => {
      model.dispose();
      rmSync(data.root, { recursive: true, force: true });
    });

    it('σ = 0 gives the unperturbed weights and exactly the unperturbed predictions', async () => {
      const copy = perturbedCopy(model, 0, 3);
      const [a, b] = [weights(model), weights(copy)];
      for (const [name, w] of a) assert.deepEqual(b.get(name), w, name);
      copy.dispose();
      const floor = await noiseFloor(model, tok, data.records, { ...predict(), sigma: 0, seeds: [1, 2], score });
      const direct = await predictRecords(model, tok, data.records, predict());
      assert.deepEqual(floor.unperturbed.predictions, direct);
      for (const p of floor.perturbed) {
        assert.deepEqual(p.predictions, direct, `seed ${p.seed}`);
        assert.equal(p.changed, 0);
      }
      const expected = direct.reduce((s, x) => s + x.text.length, 0) / direct.length;
      assert.equal(floor.unperturbed.scores.meanChars, expected);
      assert.deepEqual(floor.band.meanChars, { n: 2, min: expected, max: expected, mean: expected, sd: 0, maxDeviation: 0 });
      assert.equal(floor.band.never, null);
    });

    it('the same seed gives the same perturbation, another seed another; noise is N(0, σ) per element, separate per parameter', () => {
      const sigma = 0.01;
      const base = weights(model);
      const [a, a2, b] = [perturbedCopy(model, sigma, 7), perturbedCopy(model, sigma, 7), perturbedCopy(model, sigma, 8)];
      const [wa, wa2, wb] = [weights(a), weights(a2), weights(b)];
      [a, a2, b].forEach((m) => m.dispose());
      const noise = new Map<string, number[]>();
      for (const [name, w] of base) {
        assert.deepEqual(wa2.get(name), wa.get(name), `seed 7 twice: ${name}`);
        const ea = wa.get(name)!;
        const eb = wb.get(name)!;
        const same = ea.filter((x, i) => x === eb[i]).length;
        assert.ok(same < 0.01 * w.length + 1, `seeds 7 and 8 agree on ${same} of ${w.length} elements of ${name}`);
        noise.set(name, Array.from(ea, (x, i) => x - w[i]));
      }
      const all = [...noise.values()].flat();
      const mean = all.reduce((s, x) => s + x, 0) / all.length;
      const sd = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / (all.length - 1));
      // Tens of thousands of draws: the standard error of the mean is ≈ σ/200 and of the sd ≈ 0.3% of σ.
      assert.ok(all.length > 20_000, `${all.length} weights`);
      assert.ok(Math.abs(mean) < 0.03 * sigma, `mean noise ${mean}`);
      assert.ok(Math.abs(sd / sigma - 1) < 0.03, `noise sd ${sd}`);
      // Two parameters of the same shape get different noise (each draws from its own stream).
      const shapes = [...model.params].map(([name, v]) => [name, v.shape.join('x')] as const);
      const twin = shapes.find(([n1, s1]) => shapes.some(([n2, s2]) => n2 !== n1 && s2 === s1));
      assert.ok(twin, 'the tiny model has two parameters of one shape');
      const other = shapes.find(([n2, s2]) => n2 !== twin[0] && s2 === twin[1])![0];
      assert.notDeepEqual(noise.get(other), noise.get(twin[0]));
    });

    it('measures the RMS distance between two models\' weights', () => {
      const nTensors = tf.memory().numTensors;
      const same = perturbedCopy(model, 0, 1);
      assert.equal(rmsWeightDistance(model, same), 0);
      // Shift one parameter by 0.5 everywhere: sqrt(size · 0.25 / N) = 0.5 · sqrt(size / N).
      const head = same.params.get('head.w')!;
      tf.tidy(() => head.assign(tf.add(head, 0.5)));
      const total = [...model.params.values()].reduce((a, v) => a + v.size, 0);
      assert.ok(Math.abs(rmsWeightDistance(model, same) - 0.5 * Math.sqrt(head.size / total)) < 1e-6);
      same.dispose();
      const noisy = perturbedCopy(model, 0.01, 4);
      assert.ok(Math.abs(rmsWeightDistance(model, noisy) / 0.01 - 1) < 0.03);
      noisy.dispose();
      const other = new VisionLanguageModel({ ...model.spec, dFf: 32 }, 1);
      assert.throws(() => rmsWeightDistance(model, other), /differ at parameter/);
      other.dispose();
      assert.equal(tf.memory().numTensors, nTensors, 'tensors left behind');
    });

    it('scores every seed, leaves the caller model untouched and no tensor behind', async () => {
      const before = weights(model);
      const nTensors = tf.memory().numTensors;
      const floor = await noiseFloor(model, tok, data.records, { ...predict(), sigma: 0.5, seeds: [11, 12, 13], score });
      assert.equal(tf.memory().numTensors, nTensors, 'tensors left behind');
      for (const [name, w] of weights(model)) assert.deepEqual(w, before.get(name), `caller's ${name} changed`);
      assert.deepEqual(floor.perturbed.map((p) => p.seed), [11, 12, 13]);
      // Each copy's predictions are those of perturbedCopy with its seed, scored by the given function.
      const copy = perturbedCopy(model, 0.5, 12);
      const again = await predictRecords(copy, tok, data.records, predict());
      copy.dispose();
      const p12 = floor.perturbed[1];
      assert.deepEqual(p12.predictions, again);
      assert.equal(p12.scores.meanChars, again.reduce((s, x) => s + x.text.length, 0) / again.length);
      assert.equal(p12.changed, again.filter((p, i) => p.text !== floor.unperturbed.predictions[i].text).length);
      // Noise this large (σ = 0.5) changes greedy outputs.
      assert.ok(floor.perturbed.some((p) => p.changed > 0), 'σ = 0.5 changed no output');
      const values = floor.perturbed.map((p) => p.scores.meanChars);
      assert.deepEqual(floor.band.meanChars, noiseBand(floor.unperturbed.scores.meanChars!, values as number[]));
      await assert.rejects(noiseFloor(model, tok, data.records, { ...predict(), sigma: 0.1, seeds: [], score }), /at least one seed/);
      assert.throws(() => perturbedCopy(model, -1, 1), /sigma must be/);
    });
  });
});
