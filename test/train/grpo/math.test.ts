import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { aggregate, groupAdvantages, grpoPolicyLoss, histogram, k3Kl, type LossAggregation } from '../../../src/train/grpo/math.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

interface Ref {
  N: number; T: number; groupSize: number; stdEps: number;
  rewards: number[]; mask: number[][]; logProbs: number[][]; oldLogProbs: number[][]; refLogProbs: number[][];
  advantages: number[];
  cases: { agg: LossAggregation; beta: number; clipLow: number; clipHigh: number; loss: number; surrogate: number; kl: number; clipFraction: number; ratioMean: number; grad: number[][] }[];
}
// Fixture: an independent PyTorch (float64, autograd) implementation run once (test/train/grpo/fixtures/grpo_torch_reference.py).
const ref = JSON.parse(readFileSync(new URL('./fixtures/grpo-torch-reference.json', import.meta.url), 'utf8')) as Ref;

describe('groupAdvantages', () => {
  it('hand-worked: group [1, 2, 3] -> mean 2, unbiased std 1 -> [−1, 0, 1]/(1 + ε)', () => {
    const a = groupAdvantages([1, 2, 3, 5, 5, 5], 3, { stdEps: 1e-6 });
    const s = 1 / (1 + 1e-6);
    assert.deepEqual(a.advantages.slice(0, 3).map((x) => +x.toFixed(12)), [-s, 0, s].map((x) => +x.toFixed(12)));
    assert.deepEqual(a.advantages.slice(3), [0, 0, 0]);
    assert.equal(a.zeroStdGroups, 1);
    assert.equal(a.fracZeroStd, 0.5);
    assert.deepEqual(a.groupMean, [2, 5]);
  });

  it('population std and epsilon are configurable; Dr. GRPO variant skips the division', () => {
    // group [0, 2]: population std 1, unbiased std √2
    close(groupAdvantages([0, 2], 2, { std: 'population', stdEps: 0 }).advantages[1], 1, 1e-12);
    close(groupAdvantages([0, 2], 2, { stdEps: 0 }).advantages[1], 1 / Math.SQRT2, 1e-12);
    close(groupAdvantages([0, 2], 2, { stdEps: 1e-4 }).advantages[1], 1 / (Math.SQRT2 + 1e-4), 1e-12);
    assert.deepEqual(groupAdvantages([0, 2], 2, { scaleByStd: false }).advantages, [-1, 1]);
  });

  it('matches the torch reference', () => {
    const a = groupAdvantages(ref.rewards, ref.groupSize, { stdEps: ref.stdEps });
    a.advantages.forEach((x, i) => close(x, ref.advantages[i], 1e-12, `A[${i}]`));
  });

  it('a group of size 1 is a configuration error; non-finite rewards are rejected', () => {
    assert.throws(() => groupAdvantages([1, 2], 1), /group size must be an integer ≥ 2/);
    assert.throws(() => groupAdvantages([1, 2, 3], 2), /do not split/);
    assert.throws(() => groupAdvantages([1, Number.NaN], 2), /must be finite/);
  });
});

describe('GRPO policy loss', () => {
  it('matches the torch reference: loss, surrogate, KL, clip fraction and d loss / d log π for every setting', () => {
    for (const c of ref.cases) {
      const what = `${c.agg} β=${c.beta} ε=${c.clipLow}/${c.clipHigh}`;
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const lp = tf.tensor2d(ref.logProbs);
        const input = {
          oldLogProbs: tf.tensor2d(ref.oldLogProbs),
          refLogProbs: tf.tensor2d(ref.refLogProbs),
          advantages: tf.tensor1d(ref.advantages),
          mask: tf.tensor2d(ref.mask),
        };
        const opts = { clipLow: c.clipLow, clipHigh: c.clipHigh, beta: c.beta, agg: c.agg };
        const out = grpoPolicyLoss({ ...input, logProbs: lp }, opts);
        close(out.loss.dataSync()[0], c.loss, 1e-5, `${what} loss`);
        close(out.surrogate.dataSync()[0], c.surrogate, 1e-5, `${what} surrogate`);
        close(out.kl.dataSync()[0], c.kl, 1e-5, `${what} kl`);
        close(out.clipFraction.dataSync()[0], c.clipFraction, 1e-6, `${what} clip fraction`);
        close(out.ratioMean.dataSync()[0], c.ratioMean, 1e-5, `${what} ratio`);
        const g = tf.grad((x: tf.Tensor) => grpoPolicyLoss({ ...input, logProbs: x as tf.Tensor2D }, opts).loss)(lp);
        const ga = g.arraySync() as number[][];
        ga.forEach((row, i) => row.forEach((v, t) => close(v, c.grad[i][t], 1e-5, `${what} grad[${i}][${t}]`)));
      });
      assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
    }
  });

  it('hand-worked single token: ratio 1.5 with Â = +1 is clipped at 1 + ε, and then has no gradient', () => {
    tf.tidy(() => {
      const lp = tf.tensor2d([[Math.log(1.5)]]);
      const input = { oldLogProbs: tf.tensor2d([[0]]), advantages: tf.tensor1d([1]), mask: tf.tensor2d([[1]]) };
      const opts = { clipLow: 0.2, clipHigh: 0.28, beta: 0, agg: 'token' as const };
      const out = grpoPolicyLoss({ ...input, logProbs: lp }, opts);
      close(out.loss.dataSync()[0], -1.28, 1e-6, 'loss = −min(1.5, 1.28)');
      assert.equal(out.clipFraction.dataSync()[0], 1);
      const g = tf.grad((x: tf.Tensor) => grpoPolicyLoss({ ...input, logProbs: x as tf.Tensor2D }, opts).loss)(lp);
      assert.equal(g.dataSync()[0], 0);
      // Â = −1 with ratio 1.5: min(−1.5, −1.28) = −1.5 is unclipped; d(1.5·e^{x})/dx at x = log 1.5 = 1.5
      const neg = { ...input, advantages: tf.tensor1d([-1]) };
      close(grpoPolicyLoss({ ...neg, logProbs: lp }, opts).loss.dataSync()[0], 1.5, 1e-6, 'loss');
      const g2 = tf.grad((x: tf.Tensor) => grpoPolicyLoss({ ...neg, logProbs: x as tf.Tensor2D }, opts).loss)(lp);
      close(g2.dataSync()[0], 1.5, 1e-6, 'grad');
    });
  });

  it('padding changes nothing: values under mask 0 affect neither the loss nor the gradient', () => {
    tf.tidy(() => {
      const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
      const base = { oldLogProbs: tf.tensor2d([[-1, -2, -3], [-1, -9, -9]]), refLogProbs: tf.tensor2d([[-1.1, -2, 5], [-0.9, 7, 7]]), advantages: tf.tensor1d([0.7, -0.7]), mask };
      const opts = { clipLow: 0.2, clipHigh: 0.2, beta: 0.05, agg: 'sequence' as const };
      const a = tf.tensor2d([[-0.9, -2.1, -3], [-1.2, -9, -9]]);
      const b = tf.tensor2d([[-0.9, -2.1, 400], [-1.2, -500, 3]]); // exp(400) would overflow float32
      const la = grpoPolicyLoss({ ...base, logProbs: a }, opts).loss.dataSync()[0];
      const lb = grpoPolicyLoss({ ...base, logProbs: b }, opts).loss.dataSync()[0];
      assert.ok(Number.isFinite(lb), `loss ${lb}`);
      close(la, lb, 1e-6, 'loss');
      const grad = tf.grad((x: tf.Tensor) => grpoPolicyLoss({ ...base, logProbs: x as tf.Tensor2D }, opts).loss);
      const gb = grad(b).arraySync() as number[][];
      assert.deepEqual([gb[0][2], gb[1][1], gb[1][2]], [0, 0, 0]);
    });
  });

  it('β = 0 needs no reference; β > 0 without one is an error', () => {
    tf.tidy(() => {
      const x = { logProbs: tf.tensor2d([[-1]]), oldLogProbs: tf.tensor2d([[-1]]), advantages: tf.tensor1d([2]), mask: tf.tensor2d([[1]]) };
      close(grpoPolicyLoss(x, { clipLow: 0.2, clipHigh: 0.2, beta: 0, agg: 'token' }).loss.dataSync()[0], -2, 1e-6, 'on-policy loss = −Â');
      assert.throws(() => grpoPolicyLoss(x, { clipLow: 0.2, clipHigh: 0.2, beta: 0.1, agg: 'token' }), /needs reference/);
    });
  });

  it("'token' vs 'sequence' aggregation (hand-worked)", () => {
    tf.tidy(() => {
      const v = tf.tensor2d([[1, 3, 100], [6, 100, 100]]);
      const m = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
      close(aggregate(v, m, 'token').dataSync()[0], (1 + 3 + 6) / 3, 1e-6, 'token');
      close(aggregate(v, m, 'sequence').dataSync()[0], (2 + 6) / 2, 1e-6, 'sequence');
    });
  });
});

describe('per-token helpers', () => {
  it('k3 KL: hand-worked values, ≥ 0, zero when the policies agree', () => {
    tf.tidy(() => {
      const k = k3Kl(tf.tensor2d([[Math.log(0.5), Math.log(0.2), -1]]), tf.tensor2d([[Math.log(0.25), Math.log(0.4), -1]])).dataSync();
      close(k[0], 0.5 - Math.log(0.5) - 1, 1e-6, 'ratio 1/2');
      close(k[1], 2 - Math.log(2) - 1, 1e-6, 'ratio 2');
      close(k[2], 0, 1e-7, 'equal');
      close(k3Kl(tf.tensor2d([[0]]), tf.tensor2d([[30]]), 10).dataSync()[0], 10, 1e-6, 'clamped');
    });
  });

  it('histogram', () => {
    assert.deepEqual(histogram([-3, -1, 0, 0.5, 1, 7], [-1, 0, 1]).counts, [1, 1, 2, 2]);
  });
});

describe('GRPO mini-batches', () => {
  it('split the prompt groups into consecutive near-equal parts, each group whole, and chunks that fit the context (hand-worked)', async () => {
    const { miniBatchRows, fittingChunks } = await import('../../../src/train/grpo/update.js');
    assert.deepEqual(miniBatchRows(3, 2, 2), [[0, 1, 2, 3], [4, 5]], 'groups 0-1, then group 2 (Math.round(1.5) = 2)');
    assert.deepEqual(miniBatchRows(4, 2, 2), [[0, 1, 2, 3], [4, 5, 6, 7]]);
    assert.deepEqual(miniBatchRows(2, 3, 1), [[0, 1, 2, 3, 4, 5]]);
    assert.deepEqual(miniBatchRows(2, 1, 5), [[0], [1]], 'no more parts than groups');
    const one = () => 1;
    assert.deepEqual(fittingChunks([0, 1, 2, 3, 4], 2, one, one), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(fittingChunks([0, 1, 2, 3, 4], 0, one, one), [[0, 1, 2, 3, 4]]);
    // Row 2's long prompt and row 3's long response do not fit one left-padded sequence of 100.
    const prompt = [10, 10, 50, 10, 10];
    const response = [5, 5, 5, 80, 5];
    assert.deepEqual(fittingChunks([0, 1, 2, 3, 4], 2, (k) => prompt[k], (k) => response[k], 100), [[0, 1], [2], [3, 4]]);
  });
});
