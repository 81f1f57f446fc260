import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ActiveSampler, UniformSampler, allPairs, winRateHalfWidths } from '../../src/arena/sampler.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/bt-reference.json', import.meta.url), 'utf8')) as {
  sampler: { history: [number, number, number][]; theta: number[]; sigmaDiag: number[]; counts: number[]; activeP: number[] };
};

describe('arena/sampler', () => {
  it('IPW win-rate estimates, their variances and the active distribution match the numpy reference', () => {
    const s = new ActiveSampler(3, { uniformMix: 0 });
    for (const [a, p, h] of ref.sampler.history) s.update(a, p, h);
    const { theta, sigmaDiag, t } = s.winRateEstimates();
    assert.equal(t, 7);
    assert.deepEqual(s.counts(), ref.sampler.counts);
    theta.forEach((v, a) => assert.ok(Math.abs(v - ref.sampler.theta[a]) < 1e-12));
    sigmaDiag.forEach((v, a) => assert.ok(Math.abs(v - ref.sampler.sigmaDiag[a]) < 1e-12));
    s.probabilities().forEach((v, a) => assert.ok(Math.abs(v - ref.sampler.activeP[a]) < 1e-12, `${v} vs ${ref.sampler.activeP[a]}`));
  });

  it('hand-worked: battles H = 1, 0 of pair 0 at P = ½ among T = 3 give θ̂ = 2/3, Σ̂ = 8/9', () => {
    const s = new ActiveSampler(2, { uniformMix: 0 });
    s.update(0, 0.5, 1);
    s.update(0, 0.5, 0);
    s.update(1, 0.5, 1);
    // pair 0: X = 2, 0, 0 → θ = 2/3, Σ = (4/3) − 4/9 = 8/9
    const { theta, sigmaDiag } = s.winRateEstimates();
    assert.ok(Math.abs(theta[0] - 2 / 3) < 1e-15 && Math.abs(sigmaDiag[0] - 8 / 9) < 1e-15);
    const g = s.activeGains();
    assert.ok(Math.abs(g[0] - (Math.sqrt(8 / 9 / 2) - Math.sqrt(8 / 9 / 3))) < 1e-15);
    assert.ok(Math.abs(winRateHalfWidths(s)[0] - 1.959964 * Math.sqrt(8 / 9 / 3)) < 1e-12);
  });

  it('draws never-battled pairs first, mixes in the uniform share, and sums to 1', () => {
    const s = new ActiveSampler(4, { uniformMix: 0.2 });
    s.update(0, 0.25, 1);
    s.update(1, 0.25, 0);
    const p = s.probabilities();
    assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.ok(Math.abs(p[0] - 0.05) < 1e-12 && Math.abs(p[2] - (0.8 / 2 + 0.05)) < 1e-12);
    // A pair whose first model always lost (Σ̂ = 0) keeps the uniform floor ε/K.
    s.update(2, 0.45, 1);
    s.update(3, 0.45, 0.5);
    assert.ok(Math.abs(s.probabilities()[1] - 0.05) < 1e-12);
    assert.deepEqual(new UniformSampler(4).probabilities(), [0.25, 0.25, 0.25, 0.25]);
    assert.throws(() => s.update(7, 0.5, 1), /pair index/);
    assert.throws(() => s.update(0, 0, 1), /probability/);
  });

  it('per-pair estimates: mean and variance with one pseudo-battle at ¼ (hand-worked), and the rule on them', () => {
    const s = new ActiveSampler(2, { uniformMix: 0, variance: 'pair' });
    s.update(0, 0.5, 0);
    s.update(0, 0.5, 0);
    s.update(1, 0.5, 1);
    s.update(1, 0.5, 0);
    const { mean, variance, n } = s.pairEstimates();
    // pair 0: H = 0, 0 → mean 0, Σ(H − m)² = 0 → (0 + ¼)/3 = 1/12; pair 1: H = 1, 0 → ½, (½ + ¼)/3 = ¼.
    assert.deepEqual(n, [2, 2]);
    assert.deepEqual(mean, [0, 0.5]);
    assert.ok(Math.abs(variance[0] - 1 / 12) < 1e-15 && Math.abs(variance[1] - 1 / 4) < 1e-15);
    const g0 = Math.sqrt(1 / 24) - Math.sqrt(1 / 36);
    const g1 = Math.sqrt(1 / 8) - Math.sqrt(1 / 12);
    const p = s.probabilities();
    assert.ok(Math.abs(p[0] - g0 / (g0 + g1)) < 1e-12, `${p}`);
    assert.ok(Math.abs(winRateHalfWidths(s, 2, 'pair')[1] - 2 * Math.sqrt(1 / 8)) < 1e-15);
    assert.equal(winRateHalfWidths(new UniformSampler(2), 2, 'pair')[0], Infinity);
  });

  it('the bare IPW rule (ε = 0) starves a pair whose first model always lost; the per-pair variance does not', () => {
    const ipw = new ActiveSampler(2, { uniformMix: 0 });
    const pair = new ActiveSampler(2, { uniformMix: 0, variance: 'pair' });
    for (const s of [ipw, pair]) {
      s.update(0, 0.5, 0);
      s.update(1, 0.5, 1);
      s.update(1, 0.5, 0);
    }
    // IPW: pair 0 has X = 0 on every battle → Σ̂ = 0 → P = 0 from now on.
    assert.equal(ipw.probabilities()[0], 0);
    assert.ok(pair.probabilities()[0] > 0.3);
  });

  it('lists pairs in row order', () => {
    assert.deepEqual(allPairs(3), [
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
  });
});
