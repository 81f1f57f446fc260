import assert from 'node:assert/strict';
import { incompleteBeta, itemBlocks, pairedEstimate, tCdf, tQuantile } from '../../src/eval/paired.js';
import { Rng } from '../../src/util/rng.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('paired estimates over items and seeds', () => {
  it("Student's t quantiles and CDF against tables (R's qt/pt)", () => {
    close(tQuantile(0.975, 1), 12.7062, 1e-3, 'df 1');
    close(tQuantile(0.975, 3), 3.18245, 1e-4, 'df 3');
    close(tQuantile(0.975, 30), 2.04227, 1e-4, 'df 30');
    close(tQuantile(0.975, 1e6), 1.95996, 1e-4, 'df → ∞');
    close(tCdf(1, 5), 0.81839, 1e-4, 'pt(1, 5)');
    close(tCdf(-2, 10), 0.036694, 1e-5, 'pt(-2, 10)');
    close(incompleteBeta(0.3, 2, 3), 0.3483, 1e-4, 'pbeta(0.3, 2, 3)');
  });

  it('blocks are round-robin and cover every item once', () => {
    assert.deepEqual(itemBlocks(5, 2), [[0, 2, 4], [1, 3]]);
    assert.deepEqual(itemBlocks(3, 20).length, 3, 'no more blocks than items');
  });

  it('hand-worked: 4 items, 2 seeds, 2 blocks', () => {
    const a = [1, 0, 1, 0];
    const b = [[1, 1, 1, 0], [1, 1, 0, 0]];
    const blocks = itemBlocks(4, 2); // [0, 2], [1, 3]
    const mean = (xs: number[], rows: number[]) => rows.reduce((s, i) => s + xs[i], 0) / rows.length;
    const rowsOf = (leave: number | null) => [0, 1, 2, 3].filter((i) => leave === null || !blocks[leave].includes(i));
    const e = pairedEstimate(4, 2, (leave, which, s) => mean(which === 'a' ? a : b[s], rowsOf(leave)), 2)!;
    // D = [0.25, 0]; seed part var([0.25, 0]) / 2 = 0.015625; leave-one-block-out means [0.5, −0.25], jackknife 0.140625.
    assert.deepEqual(e.perSeed, [0.25, 0]);
    close(e.mean, 0.125, 1e-12, 'mean');
    close(e.se, Math.sqrt(0.015625 + 0.140625), 1e-12, 'se');
    close(e.seedVariance, 0.015625, 1e-12, 'seed part');
    close(e.itemVariance, 0.140625, 1e-12, 'item part');
    close(e.df, 0.15625 ** 2 / (0.015625 ** 2 + 0.140625 ** 2), 1e-9, 'Welch–Satterthwaite df');
    close(e.hi - e.mean, tQuantile(0.975, e.df) * e.se, 1e-9, 'half width');
  });

  it('the 95% interval covers a known difference about 95% of the time (simulated studies with seed and item noise)', () => {
    const rng = new Rng(3);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const n = 120;
      const S = 4;
      const item = Array.from({ length: n }, () => 0.3 * normal()); // item effect on the gain
      const seed = Array.from({ length: S }, () => 0.02 * normal()); // run-to-run spread
      const base = Array.from({ length: n }, () => rng.next());
      const end = seed.map((sd) => base.map((x, i) => x + 0.05 + item[i] + sd + 0.1 * normal()));
      const blocks = itemBlocks(n, 20);
      const rows = (leave: number | null) => base.map((_, i) => i).filter((i) => leave === null || !blocks[leave].includes(i));
      const m = (xs: number[], r: number[]) => r.reduce((s, i) => s + xs[i], 0) / r.length;
      // The truth is the population mean gain 0.05 (items and seeds both drawn afresh each trial).
      const e = pairedEstimate(n, S, (leave, which, s) => m(which === 'a' ? base : end[s], rows(leave)))!;
      if (e.lo <= 0.05 && 0.05 <= e.hi) covered++;
    }
    const rate = covered / trials;
    assert.ok(rate >= 0.9 && rate <= 0.995, `coverage ${rate}`);
  });

  it('leaves out a seed whose measure is undefined, and is null when none is defined', () => {
    const e = pairedEstimate(3, 2, (leave, which, s) => (s === 1 ? null : which === 'a' ? 0 : 1))!;
    assert.equal(e.seeds, 1);
    assert.equal(pairedEstimate(3, 1, () => null), null);
  });
});
