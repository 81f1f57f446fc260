/**
 * Simulation study of the Report Arena: models with known true strengths, a noisy simulated judge,
 * and the samplers. It answers two questions the paper's method rests on:
 *   1. does the weighted Bradley–Terry fit recover the true order of the models?
 *   2. does active sampling reach a given interval width with fewer battles than uniform sampling
 *      (Chatbot Arena reports 4,400 vs 6,800 battles to a mean win-rate interval width of 0.2)?
 * For 2 it measures four precisions (`WidthMetric`): the mean or the largest over pairs of the 95%
 * interval widths of the paper's IPW win-rate estimates or of the per-pair means; and it gives the
 * large-T theory beside the simulation: expected battles for a fixed allocation, the best allocation
 * (a ceiling for any sampler) and the allocation the active rule settles at.
 *
 * The simulated judge: for models i, j with true strengths s_i, s_j, a tie with probability `tie`;
 * otherwise i wins with probability σ(s_i − s_j), and the verdict is then flipped with probability
 * `flip` (judge error). Its expected score for i is monotone in s_i − s_j, so the order is
 * identifiable, but the fitted scale is compressed relative to the true one.
 */
import { Rng } from '../util/rng.js';
import { bootstrapScores } from './bootstrap.js';
import { bradleyTerryFit } from './bradley-terry.js';
import { kendallTau, spearman } from './ranking.js';
import { allPairs, makeSampler, winRateHalfWidths, type WinRateEstimator } from './sampler.js';
import type { Battle, Judge } from './types.js';

/** z of a two-sided 95% normal interval. */
const Z95 = 1.959964;

export interface SimulatedJudgeNoise {
  /** Probability of a tie verdict (default 0.1). */
  tie?: number;
  /** Probability that a decisive verdict is flipped (default 0.1). */
  flip?: number;
}

/** Expected score of a model against another under the simulated judge. */
export function simulatedWinProbability(diff: number, noise: SimulatedJudgeNoise = {}): number {
  const tie = noise.tie ?? 0.1;
  const flip = noise.flip ?? 0.1;
  const s = 1 / (1 + Math.exp(-diff));
  return tie / 2 + (1 - tie) * ((1 - flip) * s + flip * (1 - s));
}

/** One simulated verdict: score of i (1, ½ or 0). */
export function simulatedVerdict(rng: Rng, diff: number, noise: SimulatedJudgeNoise = {}): number {
  const tie = noise.tie ?? 0.1;
  const flip = noise.flip ?? 0.1;
  if (rng.next() < tie) return 0.5;
  let win = rng.next() < 1 / (1 + Math.exp(-diff)) ? 1 : 0;
  if (rng.next() < flip) win = 1 - win;
  return win;
}

/**
 * The simulated judge behind the `Judge` interface, for running the real arena loop on synthetic
 * "reports": each report text must contain `strength=<number>`.
 */
export function simulatedJudge(seed: number, noise: SimulatedJudgeNoise = {}): Judge {
  const rng = new Rng(seed);
  const strength = (t: string) => {
    const m = /strength=(-?[\d.]+)/.exec(t);
    if (!m) throw new Error(`simulated judge: no strength=… in report ${JSON.stringify(t.slice(0, 60))}`);
    return Number(m[1]);
  };
  return {
    name: `simulated(tie=${noise.tie ?? 0.1},flip=${noise.flip ?? 0.1})`,
    async judge(req) {
      const outcome = simulatedVerdict(rng, strength(req.a) - strength(req.b), noise);
      return { outcome, verdict: outcome === 1 ? 'A' : outcome === 0 ? 'B' : 'tie' };
    },
  };
}

/** A precision: which win-rate estimate, and the mean or the largest interval width over pairs. */
export type WidthMetric = 'ipw-mean' | 'ipw-max' | 'pair-mean' | 'pair-max';
export const WIDTH_METRICS: readonly WidthMetric[] = ['ipw-mean', 'ipw-max', 'pair-mean', 'pair-max'];

export interface SimulationOptions {
  strengths: readonly number[];
  battles: number;
  sampler: 'active' | 'uniform';
  seed: number;
  noise?: SimulatedJudgeNoise;
  uniformMix?: number;
  /** The variance the active rule uses (sampler.ts; default 'ipw', the paper's). */
  variance?: WinRateEstimator;
  /** Record the interval widths every this many battles (default 100). */
  traceEvery?: number;
  /** Recompute the sampling distribution every this many battles (default 1; a live arena judging in batches recomputes once per batch). */
  updateEvery?: number;
}

export interface SimulationRun {
  battles: Battle[];
  /** Per pair (allPairs order), battles drawn. */
  counts: number[];
  /** (battles so far, per metric the mean or largest over pairs of the 95% win-rate interval widths 2·1.96·SE). */
  trace: { t: number; widths: Record<WidthMetric, number> }[];
}

/** A fast synchronous arena on the simulated judge (same samplers and weights as the real loop). */
export function simulateArena(opts: SimulationOptions): SimulationRun {
  const m = opts.strengths.length;
  const pairs = allPairs(m);
  const sampler = makeSampler(opts.sampler, pairs.length, { uniformMix: opts.uniformMix, variance: opts.variance });
  const rng = new Rng(opts.seed);
  const every = opts.traceEvery ?? 100;
  const battles: Battle[] = [];
  const trace: SimulationRun['trace'] = [];
  const updateEvery = Math.max(1, Math.floor(opts.updateEvery ?? 1));
  let probs = sampler.probabilities();
  const mean = (w: number[]) => w.reduce((x, y) => x + y, 0) / w.length;
  for (let t = 1; t <= opts.battles; t++) {
    if ((t - 1) % updateEvery === 0) probs = sampler.probabilities();
    const a = rng.weighted(probs);
    const [i, j] = pairs[a];
    const h = simulatedVerdict(rng, opts.strengths[i] - opts.strengths[j], opts.noise);
    sampler.update(a, probs[a], h);
    battles.push({ i, j, outcome: h, weight: 1 / probs[a] });
    if (t % every === 0) {
      const ipw = winRateHalfWidths(sampler, Z95, 'ipw').map((x) => 2 * x);
      const pair = winRateHalfWidths(sampler, Z95, 'pair').map((x) => 2 * x);
      trace.push({ t, widths: { 'ipw-mean': mean(ipw), 'ipw-max': Math.max(...ipw), 'pair-mean': mean(pair), 'pair-max': Math.max(...pair) } });
    }
  }
  return { battles, counts: sampler.counts(), trace };
}

/**
 * First traced battle count from which the chosen width stays at or below `width` (null if it
 * does not by the end of the run). The width estimate is noisy early on, hence "stays".
 */
export function battlesToWidth(run: SimulationRun, width: number, metric: WidthMetric = 'ipw-mean'): number | null {
  let first: number | null = null;
  for (const p of run.trace) {
    if (p.widths[metric] <= width) first ??= p.t;
    else first = null;
  }
  return first;
}

export interface RecoveryResult {
  trueStrengths: number[];
  fitted: number[];
  spearman: number;
  kendall: number;
  /** Bootstrap interval of each fitted score (empty without bootstrap). */
  lower: number[];
  upper: number[];
}

/** Fit the simulated battles (IPW weights) and compare the order with the truth. */
export function recovery(strengths: readonly number[], run: SimulationRun, bootstrap: number, seed: number): RecoveryResult {
  const fit = bradleyTerryFit(run.battles, strengths.length);
  const boot = bootstrap > 0 ? bootstrapScores(run.battles, strengths.length, { rounds: bootstrap, seed, frame: 'mean' }) : null;
  return {
    trueStrengths: strengths.map((s) => s - strengths[0]),
    fitted: fit.scores,
    spearman: spearman(strengths, fit.scores),
    kendall: kendallTau(strengths, fit.scores),
    lower: boot?.lower ?? [],
    upper: boot?.upper ?? [],
  };
}

/** One sampler configuration in the efficiency comparison. */
export interface SamplerSpec {
  label: string;
  sampler: 'active' | 'uniform';
  uniformMix?: number;
  variance?: WinRateEstimator;
  updateEvery?: number;
}

export interface EfficiencyResult {
  width: number;
  /** Per sampler and metric: battles needed per seed (null: not within the budget) and their median. */
  rows: { label: string; metric: WidthMetric; battles: (number | null)[]; median: number | null }[];
  /** Per sampler and metric, the width trace averaged over seeds. */
  traces: Record<string, Record<WidthMetric, { t: number; width: number }[]>>;
}

/** Median of battle counts, null (not reached) counting as larger than any; null if the median is not reached. */
export function medianBattles(v: readonly (number | null)[]): number | null {
  const s = v.map((x) => x ?? Infinity).sort((a, b) => a - b);
  const k = s.length;
  if (k === 0) return null;
  const med = k % 2 ? s[(k - 1) / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
  return Number.isFinite(med) ? med : null;
}

/** Battles each sampler needs to bring each width metric to `width`, over seeds. */
export function samplingEfficiency(opts: {
  strengths: readonly number[];
  width: number;
  budget: number;
  seeds: readonly number[];
  samplers: readonly SamplerSpec[];
  noise?: SimulatedJudgeNoise;
  traceEvery?: number;
  onRun?: (label: string, seed: number) => void;
}): EfficiencyResult {
  const rows: EfficiencyResult['rows'] = [];
  const traces: EfficiencyResult['traces'] = {};
  for (const spec of opts.samplers) {
    const runs = opts.seeds.map((seed) => {
      const run = simulateArena({ strengths: opts.strengths, battles: opts.budget, seed, noise: opts.noise, traceEvery: opts.traceEvery, ...spec });
      opts.onRun?.(spec.label, seed);
      return run;
    });
    traces[spec.label] = {} as Record<WidthMetric, { t: number; width: number }[]>;
    for (const metric of WIDTH_METRICS) {
      const battles = runs.map((r) => battlesToWidth(r, opts.width, metric));
      rows.push({ label: spec.label, metric, battles, median: medianBattles(battles) });
      traces[spec.label][metric] = runs[0].trace.map((p, k) => ({ t: p.t, width: runs.reduce((s, r) => s + r.trace[k].widths[metric], 0) / runs.length }));
    }
  }
  return { width: opts.width, rows, traces };
}

// ---------------------------------------------------------------------------------------------
// Theory: expected battles to a width for a fixed allocation of battles to pairs, the best
// allocation, and the allocation the active rule settles at. With P(a) = p_a fixed, one battle's
// contribution to pair a has variance V_a(p) = c_a/p_a − d_a:
//   IPW (Horvitz–Thompson) X = H·1{A = a}/p_a:  c_a = E[H²|a], d_a = θ_a²  (interval z·sqrt(V_a/T));
//   per-pair mean over n_a ≈ p_a·T battles:     c_a = Var(H|a), d_a = 0    (interval z·sqrt(c_a/n_a)).
// The IPW variance is E[H²|a]/p_a: it grows with the win rate θ_a itself (a pair whose first model
// nearly always loses is estimated almost exactly), while the per-pair variance is θ_a(1 − θ_a)-like.
// ---------------------------------------------------------------------------------------------

/** Per pair (allPairs order): θ_a = E[H|a] and E[H²|a] under the simulated judge. */
export interface PairMoments {
  theta: number[];
  m2: number[];
}

export function judgeMoments(strengths: readonly number[], noise: SimulatedJudgeNoise = {}): PairMoments {
  const tie = noise.tie ?? 0.1;
  const theta: number[] = [];
  const m2: number[] = [];
  for (const [i, j] of allPairs(strengths.length)) {
    const th = simulatedWinProbability(strengths[i] - strengths[j], noise);
    theta.push(th);
    // P(win) = θ − tie/2, and a tie scores ½, so E[H²] = P(win) + tie/4.
    m2.push(th - tie / 2 + tie / 4);
  }
  return { theta, m2 };
}

function varianceTerms(m: PairMoments, estimator: WinRateEstimator): { c: number[]; d: number[] } {
  if (estimator === 'ipw') return { c: m.m2.slice(), d: m.theta.map((t) => t * t) };
  return { c: m.m2.map((x, a) => Math.max(1e-12, x - m.theta[a] ** 2)), d: m.theta.map(() => 0) };
}

function metricParts(metric: WidthMetric): { estimator: WinRateEstimator; agg: 'mean' | 'max' } {
  const [estimator, agg] = metric.split('-') as [WinRateEstimator, 'mean' | 'max'];
  return { estimator, agg };
}

/** Expected battles until the metric's 95% interval width reaches `width`, for a fixed allocation p (large-T normal approximation). */
export function expectedBattles(m: PairMoments, p: readonly number[], width: number, metric: WidthMetric, z = Z95): number {
  const { estimator, agg } = metricParts(metric);
  const { c, d } = varianceTerms(m, estimator);
  const v = c.map((ca, a) => ca / p[a] - d[a]);
  const scale = (2 * z) / width;
  if (agg === 'max') return scale * scale * Math.max(...v);
  const meanSd = v.reduce((s, x) => s + Math.sqrt(x), 0) / v.length;
  return scale * scale * meanSd * meanSd;
}

/** Increasing bisection: the x in [lo, hi] with f(x) = target, f increasing. */
function bisect(f: (x: number) => number, target: number, lo: number, hi: number, iters = 200): number {
  for (let k = 0; k < iters; k++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The allocation p (Σ p = 1) that needs the fewest battles for the metric: for the largest width
 * the one that equalizes V_a (p_a = c_a/(λ + d_a)); for the mean width the one with equal marginal
 * gains c_a / (2 p_a² sqrt(c_a/p_a − d_a)) = μ (per-pair estimate: p_a ∝ Var(H|a)^(1/3)).
 */
export function optimalAllocation(m: PairMoments, metric: WidthMetric): number[] {
  const { estimator, agg } = metricParts(metric);
  const { c, d } = varianceTerms(m, estimator);
  const k = c.length;
  if (agg === 'max') {
    // Σ c_a/(λ + d_a) falls from ∞ (λ → −min d) to 0: find λ with sum 1. Bisect on −sum, which rises.
    const lo = -Math.min(...d) + 1e-15;
    const hi = Math.max(...c) * k + 1;
    const lam = bisect((x) => -c.reduce((s, ca, a) => s + ca / (x + d[a]), 0), -1, lo, hi);
    return c.map((ca, a) => ca / (lam + d[a]));
  }
  // g_a(p) = c/(2 p² sqrt(c/p − d)) falls in p on (0, min(1, 3c/(4d))); p_a(μ) solves g_a = μ.
  const pOf = (mu: number) =>
    c.map((ca, a) => {
      const top = d[a] > 0 ? Math.min(1, (0.75 * ca) / d[a]) : 1;
      const g = (p: number) => ca / (2 * p * p * Math.sqrt(Math.max(1e-300, ca / p - d[a])));
      return bisect((p) => -g(p), -mu, 1e-12, top, 100);
    });
  // Σ p_a(μ) falls as μ rises: bisect on log μ.
  const logMu = bisect((x) => -pOf(Math.exp(x)).reduce((s, v) => s + v, 0), -1, -60, 60, 100);
  const p = pOf(Math.exp(logMu));
  const total = p.reduce((s, v) => s + v, 0);
  return p.map((v) => v / total);
}

/**
 * The allocation the active rule settles at after many battles (its fixed point): with n_a = p_a·T
 * the gain sqrt(v/n) − sqrt(v/(n + 1)) ≈ sqrt(v)/(2 n^(3/2)), so p ∝ sqrt(v_a)·p_a^(−3/2), mixed with
 * ε/K. v_a is Σ_aa = E[H²]/p_a − θ_a² for the paper's rule ('ipw'), Var(H|a) for 'pair' (where the
 * fixed point is p ∝ Var(H|a)^(1/5)). The IPW figure treats P_t as settled; its battle-to-battle
 * movement only adds variance.
 */
export function activeAllocation(m: PairMoments, variance: WinRateEstimator, uniformMix: number): number[] {
  const { c, d } = varianceTerms(m, variance);
  const k = c.length;
  let p = new Array<number>(k).fill(1 / k);
  for (let it = 0; it < 2000; it++) {
    const g = p.map((pa, a) => Math.sqrt(Math.max(0, (variance === 'ipw' ? c[a] / pa - d[a] : c[a]))) * pa ** -1.5);
    const total = g.reduce((s, v) => s + v, 0);
    const next = g.map((v) => (1 - uniformMix) * (v / total) + uniformMix / k);
    // Damped (geometric) update: the map overshoots, its average converges.
    const mixed = p.map((pa, a) => Math.sqrt(pa * next[a]));
    const z = mixed.reduce((s, v) => s + v, 0);
    const delta = Math.max(...mixed.map((v, a) => Math.abs(v / z - p[a])));
    p = mixed.map((v) => v / z);
    if (delta < 1e-13) break;
  }
  return p;
}

/**
 * Mean width of the 95% bootstrap intervals of the fitted scores (mean frame) after `battles`
 * battles, per seed, for each sampler; `active (unweighted fit)` fits the active sampler's battles
 * without the 1/P weights, to show what the weights cost.
 */
export function scoreIntervalWidths(opts: {
  strengths: readonly number[];
  battles: number;
  seeds: readonly number[];
  rounds: number;
  noise?: SimulatedJudgeNoise;
  uniformMix?: number;
  variance?: WinRateEstimator;
}): Record<'uniform' | 'active' | 'active (unweighted fit)', number[]> {
  const m = opts.strengths.length;
  const width = (battles: Battle[], seed: number) => {
    const b = bootstrapScores(battles, m, { rounds: opts.rounds, seed, frame: 'mean' });
    return b.upper.reduce((s, u, k) => s + u - b.lower[k], 0) / m;
  };
  const out = { uniform: [] as number[], active: [] as number[], 'active (unweighted fit)': [] as number[] };
  for (const seed of opts.seeds) {
    const base = { strengths: opts.strengths, battles: opts.battles, seed, noise: opts.noise, uniformMix: opts.uniformMix, variance: opts.variance, traceEvery: opts.battles };
    out.uniform.push(width(simulateArena({ ...base, sampler: 'uniform' }).battles, seed));
    const active = simulateArena({ ...base, sampler: 'active' }).battles;
    out.active.push(width(active, seed));
    out['active (unweighted fit)'].push(width(active.map((b) => ({ ...b, weight: 1 })), seed));
  }
  return out;
}
