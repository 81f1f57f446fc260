import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/backend.js';
import { DEFAULTS } from '../../../src/config.js';
import { promptIds } from '../../../src/model/sequence.js';
import { VisionLanguageModel } from '../../../src/model/vlm.js';
import { specFromConfig } from '../../../src/model/spec.js';
import { computeReward, DEFAULT_REWARD_SPEC } from '../../../src/rewards/compose.js';
import { trainTokenizer } from '../../../src/text/tokenizer.js';
import { GrpoTrainer, validateGrpoConfig, type GrpoConfig } from '../../../src/train/grpo/trainer.js';
import { frozenCopy, VlmPolicy, type GrpoPrompt } from '../../../src/train/grpo/policy.js';
import { runGrpo } from '../../../src/train/grpo/run.js';
import { loadModel } from '../../../src/model/checkpoint.js';
import { readJsonl } from '../../../src/util/fsx.js';
import { Rng } from '../../../src/util/rng.js';
import { rewardByLength } from '../fixtures.js';
import { CannedPolicy } from './canned-policy.js';

const cfg = (o: Partial<GrpoConfig> = {}): GrpoConfig => ({ ...DEFAULTS.grpo, ...o });

const cannedData: GrpoPrompt[] = [{ id: 'q1', pixels: new Float32Array(0), prompt: [], answer: 'yes', kind: 'short' }];

describe('GRPO trainer', () => {
  before(async () => {
    await initBackend({ log: null });
  });

  it('a group of size 1 (and other bad settings) is a config error', () => {
    assert.throws(() => validateGrpoConfig(cfg({ groupSize: 1 })), /groupSize must be an integer ≥ 2/);
    assert.throws(() => validateGrpoConfig(cfg({ mu: 0 })), /mu/);
    assert.throws(() => validateGrpoConfig(cfg({ temperature: 0 })), /temperature/);
    const p = new CannedPolicy();
    assert.throws(() => new GrpoTrainer(p, null, cannedData, cfg({ groupSize: 1 }), DEFAULT_REWARD_SPEC), /groupSize/);
    assert.throws(() => new GrpoTrainer(p, null, cannedData, cfg({ beta: 0.1 }), DEFAULT_REWARD_SPEC), /needs a reference/);
    p.logits.dispose();
  });

  it('moves probability onto the highest-reward response (canned one-token policy)', () => {
    const policy = new CannedPolicy();
    const trainer = new GrpoTrainer(policy, null, cannedData, cfg({ beta: 0, groupSize: 8, batchPrompts: 2, lr: 0.25, mu: 2 }), DEFAULT_REWARD_SPEC, { seed: 3, clipNorm: 0 });
    assert.ok(Math.abs(policy.probs()[0] - 0.25) < 1e-6);
    const logs = Array.from({ length: 40 }, () => trainer.trainStep());
    const p = policy.probs();
    assert.ok(p[0] > 0.8, `p(best) = ${p[0]}`);
    const first = logs.slice(0, 5).reduce((a, l) => a + l.reward.total.mean, 0) / 5;
    const last = logs.slice(-5).reduce((a, l) => a + l.reward.total.mean, 0) / 5;
    assert.ok(last > first + 0.3, `mean reward ${first} -> ${last}`);
    // Components are logged separately and add up: total = 0.9·answer + 0.1·format + coordinate.
    const l = logs[logs.length - 1];
    assert.ok(Math.abs(l.reward.total.mean - (0.9 * l.reward.answer.mean + 0.1 * l.reward.format.mean + l.reward.coordinate.mean)) < 1e-9);
    // On the 2nd of μ = 2 updates the policy has moved: ratios differ from 1 and some get clipped.
    assert.ok(logs.some((x) => x.clipFraction > 0), 'clipping happens with μ = 2');
    assert.equal(logs[0].advantageHistogram.counts.reduce((a, b) => a + b, 0), 16);
    trainer.dispose();
    policy.logits.dispose();
  });

  it('a reward that fails for one response gives it 0 and a warning, and the run goes on', () => {
    const policy = new CannedPolicy();
    const warnings: string[] = [];
    // NaN λ makes every reward non-finite: all become 0 with a warning each.
    const trainer = new GrpoTrainer(policy, null, cannedData, cfg({ beta: 0, groupSize: 4, batchPrompts: 1 }), { ...DEFAULT_REWARD_SPEC, lambda: Number.NaN }, { warn: (m) => warnings.push(m) });
    const log = trainer.trainStep();
    assert.equal(log.rewardWarnings, 4);
    assert.equal(warnings.length, 4);
    assert.match(warnings[0], /not finite/);
    assert.equal(log.reward.total.mean, 0);
    assert.equal(log.fracRewardZeroStd, 1);
    trainer.dispose();
    policy.logits.dispose();
  });

  it('dynamic sampling drops groups whose rewards are all equal and samples more prompts until the batch is full', () => {
    // Prompts answered 'flat' get one reward for every response (no spread); 'live' ones are scored by length.
    const reward: typeof computeReward = (r, gt, spec, kind) => ({ ...computeReward(r, gt, spec, kind), total: gt === 'flat' ? 0.5 : r.length / 10 });
    const data: GrpoPrompt[] = ['flat', 'flat', 'live', 'flat', 'live'].map((answer, i) => ({ id: `p${i}`, pixels: new Float32Array(0), prompt: [], answer, kind: 'short' }));
    const run = (dynamicSampling: boolean) => {
      const policy = new CannedPolicy();
      const trainer = new GrpoTrainer(policy, null, data, cfg({ beta: 0, groupSize: 4, batchPrompts: 2, dynamicSampling, maxSampleRounds: 6 }), DEFAULT_REWARD_SPEC, { seed: 4, reward, keepLastBatch: true });
      const logs = [trainer.trainStep(), trainer.trainStep(), trainer.trainStep()];
      const trained = trainer.lastBatch!.prompts.map((p) => p.answer);
      trainer.dispose();
      policy.logits.dispose();
      return { logs, trained };
    };
    const on = run(true);
    for (const l of on.logs) {
      assert.equal(l.sampling!.groupsTrained, 2);
      assert.equal(l.sampling!.groupsSampled, 2 * l.sampling!.rounds);
    }
    assert.ok(on.logs.some((l) => l.sampling!.rounds > 1), 'some step needed more than one rollout');
    assert.deepEqual(on.trained, ['live', 'live']);
    const off = run(false);
    assert.ok(off.logs.every((l) => l.sampling!.rounds === 1 && l.sampling!.groupsTrained === 2));
    assert.ok(off.logs.some((l) => l.fracRewardZeroStd > 0), 'without it, zero-spread groups are trained on');
  });

  it('a step whose rollouts never find a group with spread takes no update', () => {
    const reward: typeof computeReward = (r, gt, spec, kind) => ({ ...computeReward(r, gt, spec, kind), total: 1 });
    const policy = new CannedPolicy();
    const before = Array.from(policy.logits.dataSync());
    const trainer = new GrpoTrainer(policy, null, cannedData, cfg({ beta: 0, groupSize: 4, batchPrompts: 1, dynamicSampling: true, maxSampleRounds: 3 }), DEFAULT_REWARD_SPEC, { seed: 4, reward });
    const log = trainer.trainStep();
    assert.deepEqual(log.sampling, { rounds: 3, groupsSampled: 3, groupsTrained: 0 });
    assert.equal(trainer.optimizer.step, 0);
    assert.deepEqual(Array.from(policy.logits.dataSync()), before);
    trainer.dispose();
    policy.logits.dispose();
  });

  describe('on the vision-language model', () => {
    const tok = trainTokenizer(['Is there a pleural effusion? yes no <think> </think> \\boxed{yes}', 'Describe the findings.'], { vocabSize: 400, coordBins: 16 });
    const spec = specFromConfig({ ...DEFAULTS.model, imageSize: 16, patchSize: 8, dModel: 16, nLayers: 1, encoderLayers: 1, nHeads: 2, dFf: 32, maxLen: 40 }, tok.vocabSize);
    const rng = new Rng(9);
    const data: GrpoPrompt[] = [0, 1, 2].map((i) => ({
      id: `p${i}`,
      pixels: Float32Array.from({ length: 256 }, () => rng.next()),
      prompt: promptIds(tok, i % 2 ? 'Describe the findings.' : 'Is there a pleural effusion?'),
      answer: i % 2 ? 'No acute cardiopulmonary process.' : 'yes',
    }));
    const small = cfg({ groupSize: 3, batchPrompts: 2, maxNewTokens: 8, beta: 0.05, mu: 2, lr: 1e-3 });
    const makeModel = () => {
      const m = new VisionLanguageModel(spec, 5);
      m.params.get('head.w')!.assign(tf.mul(m.params.get('head.w')!, 30));
      return m;
    };
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    it('keeps the tensor count flat across steps (sampling, reference pass, μ updates)', () => {
      const model = makeModel();
      const ref = frozenCopy(model);
      const trainer = new GrpoTrainer(new VlmPolicy(model, tok), new VlmPolicy(ref, tok), data, small, DEFAULT_REWARD_SPEC, { seed: 1 });
      trainer.trainStep();
      trainer.trainStep(); // optimizer slots exist from here on
      const before = tf.memory().numTensors;
      let log = trainer.trainStep();
      for (let i = 0; i < 3; i++) log = trainer.trainStep();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked per step');
      assert.ok(log.kl !== null && Number.isFinite(log.kl) && log.kl >= 0, `kl ${log.kl}`);
      assert.ok(Number.isFinite(log.loss) && Number.isFinite(log.entropy) && log.entropy > 0);
      assert.ok(log.responseLength.mean > 0 && log.responseLength.max <= 8);
      trainer.dispose();
      model.dispose();
      ref.dispose();
    });

    for (const lossAgg of ['token', 'sequence'] as const) {
      it(`an update in chunks of updateBatch responses equals the one-pass update (${lossAgg} aggregation)`, () => {
        // 2 prompts × G 3 = 6 responses: one pass vs chunks of 4 + 2 (unequal, so the weights matter).
        const step = (updateBatch: number) => {
          const model = makeModel();
          const ref = frozenCopy(model);
          const trainer = new GrpoTrainer(new VlmPolicy(model, tok), new VlmPolicy(ref, tok), data, { ...small, lossAgg, updateBatch }, DEFAULT_REWARD_SPEC, { seed: 2, reward: rewardByLength });
          const logs = [trainer.trainStep(), trainer.trainStep()];
          assert.ok(logs.every((l) => l.gradNorm > 0), `gradient norms ${logs.map((l) => l.gradNorm)}: a zero gradient would leave only weight decay to compare`);
          const w = new Map([...model.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
          trainer.dispose();
          model.dispose();
          ref.dispose();
          return { logs, w };
        };
        const whole = step(0);
        const chunked = step(4);
        for (let i = 0; i < 2; i++) {
          for (const k of ['loss', 'kl', 'clipFraction', 'ratioMean', 'gradNorm'] as const) {
            assert.ok(Math.abs((chunked.logs[i][k] ?? 0) - (whole.logs[i][k] ?? 0)) < 1e-5, `step ${i + 1} ${k}: ${chunked.logs[i][k]} vs ${whole.logs[i][k]}`);
          }
        }
        let maxDiff = 0;
        let moved = 0;
        for (const [k, w] of whole.w) {
          const c = chunked.w.get(k)!;
          w.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - c[i]))));
        }
        const init = makeModel();
        for (const [k, v] of init.params) Array.from(v.dataSync()).forEach((x, i) => (moved = Math.max(moved, Math.abs(x - whole.w.get(k)![i]))));
        init.dispose();
        assert.ok(moved > 1e-4, `the update moved the weights (max ${moved})`);
        assert.ok(maxDiff < 1e-5, `weights differ by ${maxDiff}`);
      });
    }

    it('mini-batch updates take one optimizer step per mini-batch, so the ratio leaves 1 within a batch and the clip acts', () => {
      const run = (miniBatches: number, temperature = 1) => {
        const model = makeModel();
        const trainer = new GrpoTrainer(new VlmPolicy(model, tok), null, data, { ...small, beta: 0, mu: 1, miniBatches, lr: 0.05, clipLow: 0.01, clipHigh: 0.01, temperature }, DEFAULT_REWARD_SPEC, { seed: 2, reward: rewardByLength });
        const log = trainer.trainStep();
        const steps = trainer.optimizer.step;
        trainer.dispose();
        model.dispose();
        return { log, steps };
      };
      const one = run(1);
      const two = run(2);
      assert.equal(one.steps, 1);
      assert.equal(two.steps, 2, 'two mini-batches, two AdamW steps');
      // One update per batch evaluates the ratio before any change: 1 up to float rounding, nothing
      // clipped. (Bit for bit only where the BLAS rounds a one-row product as it rounds the same row
      // in a batch: it did on the machine this was written on, not with OpenBLAS's Zen kernels, where
      // it is 1 − 6e-8; and at T ≠ 1 the sampler divides the logits in float64, the scorer in float32.)
      for (const r of [one, run(1, 0.7)]) {
        assert.ok(Math.abs(r.log.ratioMean - 1) < 1e-6, `ratio ${r.log.ratioMean}`);
        assert.equal(r.log.clipFraction, 0);
      }
      // The second mini-batch is scored by the policy the first step moved.
      assert.ok(Math.abs(two.log.ratioMean - 1) > 1e-4, `ratio ${two.log.ratioMean}`);
      assert.ok(two.log.clipFraction > 0, `clip fraction ${two.log.clipFraction}`);
    });

    it('freezeVision updates the decoder and leaves the image encoder and projection as they were', () => {
      // Largest change of each weight after two steps, with and without the freeze.
      const changes = (freezeVision: boolean) => {
        const model = new VisionLanguageModel(spec, 5); // unsharpened: a group's samples differ
        const start = new Map([...model.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
        const trainer = new GrpoTrainer(new VlmPolicy(model, tok), null, data, { ...small, beta: 0, freezeVision }, DEFAULT_REWARD_SPEC, { seed: 2, reward: rewardByLength });
        const logs = [trainer.trainStep(), trainer.trainStep()];
        assert.ok(logs.every((l) => l.gradNorm > 0), 'the steps had a gradient');
        const out = new Map([...model.params].map(([k, v]) => [k, Math.max(...Array.from(v.dataSync()).map((x, i) => Math.abs(x - start.get(k)![i])))]));
        trainer.dispose();
        model.dispose();
        return out;
      };
      const frozen = changes(true);
      const free = changes(false);
      const vision = [...frozen.keys()].filter((k) => k.startsWith('enc.') || k.startsWith('proj.'));
      assert.ok(vision.includes('proj.w') && vision.includes('enc.patch.w') && vision.includes('enc.ln.g'), vision.join(' '));
      for (const k of vision) {
        assert.equal(frozen.get(k), 0, `${k} changed under freezeVision`);
        assert.ok(free.get(k)! > 1e-6, `${k} does not move even without the freeze (${free.get(k)}), so the test could not fail`);
      }
      assert.ok(frozen.get('head.w')! > 1e-5, `the decoder's head moved ${frozen.get('head.w')}`);
    });

    it('the validation probe scores fixed held-out prompts greedily and changes nothing about training', async () => {
      const config = { ...DEFAULTS, seed: 4, grpo: small };
      const heldOut = data.slice(0, 2);
      const run = async (validation?: { prompts: GrpoPrompt[]; every: number }) => {
        const out = mkdtempSync(join(tmpdir(), 'grpo-v-'));
        dirs.push(out);
        const r = await runGrpo({ config, out, data, model: { model: makeModel(), tokenizer: tok }, steps: 3, quiet: true, validation, trainer: { reward: rewardByLength } });
        const w = Array.from(r.model.params.get('head.w')!.dataSync()).slice(0, 50);
        r.dispose();
        return { r, w, out };
      };
      const plain = await run();
      const probed = await run({ prompts: heldOut, every: 2 });
      assert.deepEqual(plain.r.validation, []);
      // Step 0 (the start), every 2 steps, and the end.
      assert.deepEqual(probed.r.validation.map((v) => v.step), [0, 2, 3]);
      assert.deepEqual(readJsonl<{ step: number }>(join(probed.out, 'validation.jsonl')).map((v) => v.step), [0, 2, 3]);
      for (const v of probed.r.validation) {
        assert.equal(v.n, 2);
        assert.ok(Math.abs(v.reward.total - (0.9 * v.reward.answer + 0.1 * v.reward.format + v.reward.coordinate)) < 1e-9);
      }
      // Its own random stream: the training steps and weights are the same as without the probe.
      assert.deepEqual(probed.r.logs.map((l) => l.reward.total.mean), plain.r.logs.map((l) => l.reward.total.mean));
      probed.w.forEach((v, i) => assert.equal(v, plain.w[i], `weight ${i}`));
    });

    it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
      const config = { ...DEFAULTS, seed: 4, grpo: small };
      const run = async (out: string, steps: number) => {
        const r = await runGrpo({ config, out, data, model: { model: makeModel(), tokenizer: tok }, steps, checkpointEvery: 1, quiet: true, trainer: { reward: rewardByLength } });
        const w = Array.from(r.model.params.get('head.w')!.dataSync()).slice(0, 50);
        r.dispose();
        return { logs: r.logs, w };
      };
      const a = mkdtempSync(join(tmpdir(), 'grpo-a-'));
      const b = mkdtempSync(join(tmpdir(), 'grpo-b-'));
      dirs.push(a, b);
      const straight = await run(a, 4);
      await run(b, 2);
      const resumed = await run(b, 4); // loads b/checkpoint.bin (step 2) and goes on
      assert.deepEqual(resumed.logs.map((l) => l.step), [1, 2, 3, 4]);
      assert.ok(straight.logs.every((l) => l.gradNorm > 0), 'every step had a gradient (the moments matter on resume)');
      assert.deepEqual(readJsonl<{ step: number }>(join(b, 'steps.jsonl')).map((l) => l.step), [1, 2, 3, 4]);
      for (let i = 0; i < 4; i++) {
        assert.equal(resumed.logs[i].reward.total.mean, straight.logs[i].reward.total.mean, `step ${i + 1} reward`);
        assert.ok(Math.abs(resumed.logs[i].loss - straight.logs[i].loss) < 1e-6, `step ${i + 1} loss ${resumed.logs[i].loss} vs ${straight.logs[i].loss}`);
        assert.equal(resumed.logs[i].responseLength.mean, straight.logs[i].responseLength.mean);
      }
      resumed.w.forEach((v, i) => assert.ok(Math.abs(v - straight.w[i]) < 1e-6, `weight ${i}`));
      // The output is an ordinary workbench checkpoint: evaluation can load it.
      const loaded = loadModel(b);
      assert.equal(loaded.checkpoint.header.state.stage, 'grpo');
      loaded.model.dispose();
    });
  });
});
