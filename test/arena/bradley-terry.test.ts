import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { aggregateBattles, bradleyTerryFit, isSeparated, type BattleLike } from '../../src/arena/bradley-terry.js';
import { bootstrapScores, quantile } from '../../src/arena/bootstrap.js';
import { applyScale, eloScale, maxAbsScale } from '../../src/arena/scales.js';

interface RefCase {
  m: number;
  battles: [number, number, number, number][];
  scores: number[];
  loss: number;
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/bt-reference.json', import.meta.url), 'utf8')) as { cases: RefCase[] };
const toBattles = (c: RefCase): BattleLike[] => c.battles.map(([i, j, outcome, weight]) => ({ i, j, outcome, weight }));

describe('arena/bradley-terry', () => {
  it('matches scipy BFGS on the per-battle weighted BCE (fixture made by make_bt_reference.py)', () => {
    for (const c of ref.cases) {
      const fit = bradleyTerryFit(toBattles(c), c.m);
      assert.ok(fit.converged, `m=${c.m}: not converged`);
      assert.equal(fit.separated, false);
      for (let i = 0; i < c.m; i++) assert.ok(Math.abs(fit.scores[i] - c.scores[i]) < 1e-7, `m=${c.m} model ${i}: ${fit.scores[i]} vs ${c.scores[i]}`);
      assert.ok(Math.abs(fit.loss - c.loss) < 1e-7 * c.loss, `loss ${fit.loss} vs ${c.loss}`);
    }
  });

  it('two models: the score difference is the log-odds of the weighted score share (hand-worked)', () => {
    // 7 battles: weights 2,1,1,3,1,0.5,1.5; model 0 scores 1,1,0,½,0,1,½ against model 1.
    const outcomes = [1, 1, 0, 0.5, 0, 1, 0.5];
    const weights = [2, 1, 1, 3, 1, 0.5, 1.5];
    const battles = outcomes.map((o, k) => ({ i: 0, j: 1, outcome: o, weight: weights[k] }));
    const w0 = 2 + 1 + 1.5 + 0.5 + 0.75; // Σ w·H = 5.75 of total weight 10
    const fit = bradleyTerryFit(battles, 2);
    assert.ok(Math.abs(fit.scores[1] - Math.log((10 - w0) / w0)) < 1e-12, String(fit.scores));
    // Pinning the other model flips the sign.
    const fit1 = bradleyTerryFit(battles, 2, { pin: 1 });
    assert.ok(Math.abs(fit1.scores[0] - Math.log(w0 / (10 - w0))) < 1e-12);
    // Orientation does not matter: the same battles written from model 1's side.
    const flipped = battles.map((b) => ({ i: 1, j: 0, outcome: 1 - b.outcome, weight: b.weight }));
    assert.ok(Math.abs(bradleyTerryFit(flipped, 2).scores[1] - fit.scores[1]) < 1e-12);
  });

  it('reports separated data (a model that never lost) and fits it with a ridge instead of diverging', () => {
    const battles: BattleLike[] = [
      { i: 0, j: 1, outcome: 1, weight: 1 },
      { i: 0, j: 1, outcome: 1, weight: 1 },
      { i: 1, j: 2, outcome: 0.5, weight: 1 },
      { i: 2, j: 1, outcome: 1, weight: 1 },
    ];
    assert.equal(isSeparated(aggregateBattles(battles, 3)).separated, true);
    const fit = bradleyTerryFit(battles, 3);
    assert.equal(fit.separated, true);
    assert.ok(fit.l2 > 0 && fit.converged);
    assert.ok(fit.scores.every(Number.isFinite));
    assert.ok(fit.scores[0] > fit.scores[2] && fit.scores[2] > fit.scores[1]);
    // A model with no battles is reported as unrated.
    const fit4 = bradleyTerryFit(battles.concat([{ i: 1, j: 0, outcome: 1, weight: 1 }]), 4);
    assert.deepEqual(fit4.unrated, [3]);
  });

  it('rejects a battle of a model against itself and outcomes outside [0, 1]', () => {
    assert.throws(() => bradleyTerryFit([{ i: 1, j: 1, outcome: 1, weight: 1 }], 2), /against itself/);
    assert.throws(() => bradleyTerryFit([{ i: 0, j: 1, outcome: 2, weight: 1 }], 2), /outside/);
    assert.throws(() => bradleyTerryFit([{ i: 0, j: 1, outcome: 1, weight: 0 }], 2), /weight/);
  });

  it('the pinned fit is invariant to the weight scale and the pinned model only shifts scores', () => {
    const c = ref.cases[2];
    const a = bradleyTerryFit(toBattles(c), c.m);
    const scaled = bradleyTerryFit(toBattles(c).map((b) => ({ ...b, weight: b.weight * 37 })), c.m);
    const pinned3 = bradleyTerryFit(toBattles(c), c.m, { pin: 3 });
    for (let i = 0; i < c.m; i++) {
      assert.ok(Math.abs(a.scores[i] - scaled.scores[i]) < 1e-9);
      assert.ok(Math.abs(a.scores[i] - a.scores[3] - pinned3.scores[i]) < 1e-9);
    }
  });
});

describe('arena/bootstrap', () => {
  it('two models: the 95% interval width is close to the Fisher-information width 2·1.96/sqrt(n·p·(1−p))', () => {
    const n = 2000;
    const battles: BattleLike[] = [];
    for (let k = 0; k < n; k++) battles.push({ i: 0, j: 1, outcome: k % 10 < 3 ? 1 : 0, weight: 1 }); // p = 0.3
    const boot = bootstrapScores(battles, 2, { rounds: 1000, seed: 3 });
    const width = boot.upper[1] - boot.lower[1];
    const fisher = (2 * 1.959964) / Math.sqrt(n * 0.3 * 0.7);
    assert.ok(Math.abs(width / fisher - 1) < 0.1, `bootstrap width ${width} vs Fisher ${fisher}`);
    assert.ok(boot.lower[1] < Math.log(0.7 / 0.3) && Math.log(0.7 / 0.3) < boot.upper[1]);
    assert.equal(boot.lower[0], 0);
    // Same seed, same result.
    assert.deepEqual(bootstrapScores(battles, 2, { rounds: 50, seed: 9 }).samples, bootstrapScores(battles, 2, { rounds: 50, seed: 9 }).samples);
  });

  it('quantile interpolates like numpy', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([1, 2, 3, 4], 0.025), 1.075);
  });
});

describe('arena/scales', () => {
  it('max-abs normalization puts the weakest at 0 and the strongest at 1; Elo gives 400 per factor 10 of odds', () => {
    const xi = [0, -1.5, 2.5, 1];
    const s = maxAbsScale(xi);
    assert.deepEqual(xi.map((x) => applyScale(s, x)), [1.5 / 4, 0, 1, 2.5 / 4]);
    const e = eloScale(xi);
    assert.ok(Math.abs(applyScale(e, Math.LN10) - applyScale(e, 0) - 400) < 1e-9);
    assert.ok(Math.abs(xi.map((x) => applyScale(e, x)).reduce((a, b) => a + b) / 4 - 1000) < 1e-9);
  });
});

describe('arena/bootstrap frames', () => {
  it("'mean' frame gives the pinned model an interval too, and keeps each round's differences", () => {
    const c = ref.cases[0];
    const pin = bootstrapScores(toBattles(c), c.m, { rounds: 30, seed: 4 });
    const mean = bootstrapScores(toBattles(c), c.m, { rounds: 30, seed: 4, frame: 'mean' });
    assert.ok(pin.upper[0] === 0 && pin.lower[0] === 0);
    assert.ok(mean.upper[0] > mean.lower[0]);
    for (let r = 0; r < 30; r++) {
      const d = mean.samples[r][2] - mean.samples[r][1] - (pin.samples[r][2] - pin.samples[r][1]);
      assert.ok(Math.abs(d) < 1e-12);
      const avg = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
      assert.ok(Math.abs(avg(mean.samples[r]) - avg(mean.samples[0])) < 1e-12);
    }
  });
});
