import assert from 'node:assert/strict';
import { runArena } from '../../src/arena/arena.js';
import { battleCountFigure, rankingFigure, winRateFigure, arenaVsAutomatedFigure } from '../../src/arena/figures.js';
import { arenaRanking, battleCountMatrix, winRateMatrix } from '../../src/arena/ranking.js';
import { battlesToWidth, recovery, samplingEfficiency, scoreIntervalWidths, simulateArena, simulatedJudge, simulatedVerdict, simulatedWinProbability } from '../../src/arena/simulate.js';
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

  it('samplingEfficiency reports battles-to-width per seed and the traces for both samplers', () => {
    const e = samplingEfficiency({ strengths: [0, 1, -1, 0.5], width: 0.4, budget: 3000, seeds: [1, 2], traceEvery: 100 });
    assert.equal(e.active.length, 2);
    assert.equal(e.traceActive.length, 30);
    for (const n of [...e.active, ...e.uniform]) assert.ok(n !== null && n > 0 && n <= 3000);
    // Width shrinks with battles.
    assert.ok(e.traceUniform[29].meanWidth < e.traceUniform[4].meanWidth);
    assert.equal(battlesToWidth({ battles: [], counts: [], trace: [{ t: 1, meanWidth: 0.1, maxWidth: 0 }, { t: 2, meanWidth: 0.5, maxWidth: 0 }, { t: 3, meanWidth: 0.1, maxWidth: 0 }] }, 0.2), 3);
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
