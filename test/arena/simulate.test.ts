import assert from 'node:assert/strict';
import { runArena } from '../../src/arena/arena.js';
import { battleCountFigure, rankingFigure, winRateFigure, arenaVsAutomatedFigure } from '../../src/arena/figures.js';
import { arenaRanking, battleCountMatrix, winRateMatrix } from '../../src/arena/ranking.js';
import {
  WIDTH_METRICS,
  activeAllocation,
  battlesToWidth,
  expectedBattles,
  judgeMoments,
  medianBattles,
  optimalAllocation,
  recovery,
  samplingEfficiency,
  scoreIntervalWidths,
  simulateArena,
  simulatedJudge,
  simulatedVerdict,
  simulatedWinProbability,
} from '../../src/arena/simulate.js';
import { Rng } from '../../src/util/rng.js';

describe('arena/simulate', () => {
  it('the simulated judge scores i at the stated expected rate (tie/2 + (1−tie)·((1−flip)σ + flip(1−σ)))', () => {
    const rng = new Rng(5);
    const noise = { tie: 0.2, flip: 0.15 };
    let s = 0;
    const n = 40000;
    for (let k = 0; k < n; k++) s += simulatedVerdict(rng, 1, noise);
    const expected = 0.1 + 0.8 * (0.85 / (1 + Math.exp(-1)) + 0.15 * (1 - 1 / (1 + Math.exp(-1))));
    assert.ok(Math.abs(simulatedWinProbability(1, noise) - expected) < 1e-12);
    assert.ok(Math.abs(s / n - expected) < 4 * Math.sqrt(0.25 / n), `${s / n} vs ${expected}`);
  });

  it('the weighted fit recovers the true order of 6 well-separated models from 3000 actively sampled battles', () => {
    const strengths = [0.4, -1.6, 1.6, -0.4, 0.8, -0.8];
    const run = simulateArena({ strengths, battles: 3000, sampler: 'active', seed: 2 });
    const r = recovery(strengths, run, 0, 1);
    assert.equal(r.spearman, 1);
    // The judge's ties and flips compress the scale: fitted ξ differences have the true sign, smaller size.
    assert.ok(r.fitted[2] > 0 && r.fitted[2] < 1.2, String(r.fitted));
    assert.equal(run.counts.reduce((a, b) => a + b), 3000);
  });

  it('the real arena loop with the simulated judge ranks synthetic reports by strength', async () => {
    const strengths = [0.5, -1, 1.5, 0];
    const ids = ['s1', 's2', 's3'];
    const models = strengths.map((s, k) => ({ name: `M${k}`, reports: new Map(ids.map((id) => [id, `report ${id} strength=${s}`])) }));
    const run = await runArena({ models, references: new Map(ids.map((id) => [id, 'ref'])), judge: simulatedJudge(4), sampler: 'uniform', battles: 1500, seed: 3, progress: false });
    const rk = arenaRanking(run.records, run.models, { bootstrap: 50, seed: 1 });
    assert.deepEqual(rk.order, [2, 0, 3, 1]);
    // Figures are ordered best first and carry the matrices.
    const counts = battleCountMatrix(run.records, run.models);
    const bc = battleCountFigure(rk, counts);
    assert.deepEqual(bc.data[0].x, ['M2', 'M0', 'M3', 'M1']);
    assert.equal((bc.data[0].z as number[][])[0][3], counts[2][1]);
    const wr = winRateFigure(rk, winRateMatrix(run.records, run.models));
    assert.ok(((wr.data[0].z as number[][])[0][3] as number) > 0.5);
    const rf = rankingFigure(rk);
    assert.deepEqual(rf.data[0].y, ['M1', 'M3', 'M0', 'M2']);
    const sc = arenaVsAutomatedFigure(rk, { M0: 0.2, M1: 0.1, M2: 0.3 }, { M2: 7e9 });
    assert.deepEqual(sc.data[0].text, ['M0', 'M1', 'M2']);
    assert.throws(() => arenaVsAutomatedFigure(rk, {}), /no model/);
  });

  it('samplingEfficiency reports battles-to-width per sampler, metric and seed, with averaged traces', () => {
    const e = samplingEfficiency({
      strengths: [0, 1, -1, 0.5],
      width: 0.4,
      budget: 3000,
      seeds: [1, 2],
      traceEvery: 100,
      samplers: [
        { label: 'u', sampler: 'uniform' },
        { label: 'a', sampler: 'active', variance: 'pair' },
      ],
    });
    assert.equal(e.rows.length, 2 * WIDTH_METRICS.length);
    assert.equal(e.traces.a['pair-max'].length, 30);
    for (const r of e.rows) {
      assert.equal(r.battles.length, 2);
      for (const n of r.battles) assert.ok(n !== null && n > 0 && n <= 3000, `${r.label} ${r.metric}: ${r.battles}`);
      // The largest width over pairs is never below the mean width.
      if (r.metric.endsWith('max')) assert.ok(r.median! >= e.rows.find((q) => q.label === r.label && q.metric === r.metric.replace('max', 'mean'))!.median!);
    }
    // Width shrinks with battles.
    assert.ok(e.traces.u['ipw-mean'][29].width < e.traces.u['ipw-mean'][4].width);
    const w = (x: number) => ({ 'ipw-mean': x, 'ipw-max': x, 'pair-mean': x, 'pair-max': x });
    assert.equal(battlesToWidth({ battles: [], counts: [], trace: [{ t: 1, widths: w(0.1) }, { t: 2, widths: w(0.5) }, { t: 3, widths: w(0.1) }] }, 0.2), 3);
    assert.equal(medianBattles([3, null, 1]), 3);
    assert.equal(medianBattles([1, 2]), 1.5);
    assert.equal(medianBattles([1, null, null]), null);
  });

  it('judge moments: E[H²] = P(win) + tie/4 matches the simulated verdicts', () => {
    const noise = { tie: 0.2, flip: 0.15 };
    const m = judgeMoments([1, 0], noise);
    const rng = new Rng(8);
    let s2 = 0;
    const n = 40000;
    for (let k = 0; k < n; k++) s2 += simulatedVerdict(rng, 1, noise) ** 2;
    assert.ok(Math.abs(s2 / n - m.m2[0]) < 4 * Math.sqrt(0.25 / n), `${s2 / n} vs ${m.m2[0]}`);
    assert.ok(Math.abs(m.theta[0] - simulatedWinProbability(1, noise)) < 1e-15);
  });

  it('expected battles to a width, hand-worked: two pairs at θ = ½, E[H²] = ½, uniform allocation, z = 2, width 0.2', () => {
    const m = { theta: [0.5, 0.5], m2: [0.5, 0.5] };
    // per pair: V = Var(H)/p = ¼/½ = ½; T = (2z/w)²·V = 400·½ = 200.  IPW: V = E[H²]/p − θ² = 1 − ¼ = ¾ → 300.
    assert.ok(Math.abs(expectedBattles(m, [0.5, 0.5], 0.2, 'pair-mean', 2) - 200) < 1e-9);
    assert.ok(Math.abs(expectedBattles(m, [0.5, 0.5], 0.2, 'pair-max', 2) - 200) < 1e-9);
    assert.ok(Math.abs(expectedBattles(m, [0.5, 0.5], 0.2, 'ipw-mean', 2) - 300) < 1e-9);
  });

  it('optimal and active allocations, hand-worked: variances ¼ and 1/32', () => {
    const m = { theta: [0.5, 0], m2: [0.5, 1 / 32] }; // Var(H) = ¼ and 1/32, a ratio of 8
    const close = (p: number[], q: number[], tol = 1e-9) => p.every((x, k) => Math.abs(x - q[k]) < tol);
    // Mean width of per-pair means: p ∝ Var^(1/3) → 2 : 1.  Largest width: p ∝ Var → 8 : 1.
    assert.ok(close(optimalAllocation(m, 'pair-mean'), [2 / 3, 1 / 3]), String(optimalAllocation(m, 'pair-mean')));
    assert.ok(close(optimalAllocation(m, 'pair-max'), [8 / 9, 1 / 9]));
    // The rule on per-pair variances settles at p ∝ Var^(1/5): 32^(1/5) = 2 (ratio of 32: use 1/128).
    const m32 = { theta: [0.5, 0], m2: [0.5, 1 / 128] };
    assert.ok(close(activeAllocation(m32, 'pair', 0), [2 / 3, 1 / 3], 1e-9), String(activeAllocation(m32, 'pair', 0)));
    // With ε = 0.3 it is the fixed point of p = 0.7·g(p)/Σg + 0.15, g_a = sd_a·p_a^(−3/2) (not a plain mix of 2:1 with ½:½).
    const r = activeAllocation(m32, 'pair', 0.3);
    const g = [Math.sqrt(1 / 4) * r[0] ** -1.5, Math.sqrt(1 / 128) * r[1] ** -1.5];
    assert.ok(close(r, g.map((x) => (0.7 * x) / (g[0] + g[1]) + 0.15), 1e-9) && r[0] < 2 / 3 && r[0] > 0.5, String(r));
    // IPW, largest width: the optimum equalizes V_a = E[H²]/p_a − θ_a², and beats uniform.
    const p = optimalAllocation(m, 'ipw-max');
    assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-12 && Math.abs(0.5 / p[0] - 0.25 - 1 / 32 / p[1]) < 1e-9, String(p));
    // IPW, mean width: no small move of the optimum does better.
    const q = optimalAllocation(m, 'ipw-mean');
    const cost = (x: number) => expectedBattles(m, [x, 1 - x], 0.2, 'ipw-mean');
    assert.ok(cost(q[0]) < cost(q[0] + 0.01) && cost(q[0]) < cost(q[0] - 0.01) && cost(q[0]) < cost(0.5));
  });

  it('simulated battles to width agree with the theory under uniform sampling (mean IPW width)', () => {
    const strengths = [0, 1, -1, 0.5];
    const e = samplingEfficiency({ strengths, width: 0.3, budget: 4000, seeds: [1, 2, 3], traceEvery: 50, samplers: [{ label: 'u', sampler: 'uniform' }] });
    const sim = e.rows.find((r) => r.metric === 'ipw-mean')!.median!;
    const theory = expectedBattles(judgeMoments(strengths), [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6], 0.3, 'ipw-mean');
    assert.ok(Math.abs(sim / theory - 1) < 0.15, `${sim} vs ${theory}`);
  });

  it('the paper\'s rule with ε = 0.1 needs more battles than uniform for the mean IPW width; on per-pair variances it needs fewer for the largest per-pair width when win rates are spread', () => {
    const notebook = [0.3, -1.2, 1.5, 0.0, -0.6, 0.9, -1.8, 1.2, 0.6, -0.3];
    const a = samplingEfficiency({ strengths: notebook, width: 0.2, budget: 14000, seeds: [1, 2, 3], samplers: [{ label: 'u', sampler: 'uniform' }, { label: 'a', sampler: 'active', uniformMix: 0.1 }] });
    const med = (e: typeof a, label: string, metric: string) => e.rows.find((r) => r.label === label && r.metric === metric)!.median!;
    assert.ok(med(a, 'a', 'ipw-mean') > 1.15 * med(a, 'u', 'ipw-mean'), `${med(a, 'a', 'ipw-mean')} vs ${med(a, 'u', 'ipw-mean')}`);
    const wide = Array.from({ length: 10 }, (_, k) => -3 + (6 * k) / 9);
    const b = samplingEfficiency({ strengths: wide, noise: { tie: 0, flip: 0 }, width: 0.2, budget: 8000, seeds: [1, 2, 3], samplers: [{ label: 'u', sampler: 'uniform' }, { label: 'a', sampler: 'active', variance: 'pair' }] });
    assert.ok(med(b, 'a', 'pair-max') < 0.9 * med(b, 'u', 'pair-max'), `${med(b, 'a', 'pair-max')} vs ${med(b, 'u', 'pair-max')}`);
  });

  it('score interval widths shrink like 1/sqrt(battles) (4× the battles, about half the width)', () => {
    const strengths = [0, 1, -1, 0.5];
    const small = scoreIntervalWidths({ strengths, battles: 1000, seeds: [1], rounds: 100 });
    const large = scoreIntervalWidths({ strengths, battles: 4000, seeds: [1], rounds: 100 });
    assert.deepEqual(Object.keys(small), ['uniform', 'active', 'active (unweighted fit)']);
    for (const k of Object.keys(small) as (keyof typeof small)[]) {
      const ratio = small[k][0] / large[k][0];
      assert.ok(ratio > 1.6 && ratio < 2.5, `${k}: ${small[k][0]} vs ${large[k][0]}`);
    }
  });
});
