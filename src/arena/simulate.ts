/**
 * Simulation study of the Report Arena: models with known true strengths, a noisy simulated judge,
 * and the two samplers. It answers two questions the paper's method rests on:
 *   1. does the weighted Bradley–Terry fit recover the true order of the models?
 *   2. does active sampling reach a given interval width with fewer battles than uniform sampling
 *      (Chatbot Arena reports 4,400 vs 6,800 battles to a precision of 0.2)?
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
import { allPairs, makeSampler, winRateHalfWidths } from './sampler.js';
import type { Battle, Judge } from './types.js';

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

export interface SimulationOptions {
  strengths: readonly number[];
  battles: number;
  sampler: 'active' | 'uniform';
  seed: number;
  noise?: SimulatedJudgeNoise;
  uniformMix?: number;
  /** Record the mean win-rate interval width every this many battles (default 100). */
  traceEvery?: number;
  /** Recompute the sampling distribution every this many battles (default 1; a live arena judging in batches recomputes once per batch). */
  updateEvery?: number;
}

export interface SimulationRun {
  battles: Battle[];
  /** Per pair (allPairs order), battles drawn. */
  counts: number[];
  /** (battles so far, mean over pairs of the 95% win-rate interval width 2·1.96·sqrt(Σ̂_aa/T)). */
  trace: { t: number; meanWidth: number; maxWidth: number }[];
}

/** A fast synchronous arena on the simulated judge (same samplers and weights as the real loop). */
export function simulateArena(opts: SimulationOptions): SimulationRun {
  const m = opts.strengths.length;
  const pairs = allPairs(m);
  const sampler = makeSampler(opts.sampler, pairs.length, { uniformMix: opts.uniformMix });
  const rng = new Rng(opts.seed);
  const every = opts.traceEvery ?? 100;
  const battles: Battle[] = [];
  const trace: SimulationRun['trace'] = [];
  const updateEvery = Math.max(1, Math.floor(opts.updateEvery ?? 1));
  let probs = sampler.probabilities();
  for (let t = 1; t <= opts.battles; t++) {
    if ((t - 1) % updateEvery === 0) probs = sampler.probabilities();
    const a = rng.weighted(probs);
    const [i, j] = pairs[a];
    const h = simulatedVerdict(rng, opts.strengths[i] - opts.strengths[j], opts.noise);
    sampler.update(a, probs[a], h);
    battles.push({ i, j, outcome: h, weight: 1 / probs[a] });
    if (t % every === 0) {
      const w = winRateHalfWidths(sampler).map((x) => 2 * x);
      trace.push({ t, meanWidth: w.reduce((x, y) => x + y, 0) / w.length, maxWidth: Math.max(...w) });
    }
  }
  return { battles, counts: sampler.counts(), trace };
}

/** First traced battle count at which the mean win-rate interval width is at most `width` (null if never). */
export function battlesToWidth(run: SimulationRun, width: number): number | null {
  // The width estimate is noisy early on; require it to stay below the target from there on.
  let first: number | null = null;
  for (const p of run.trace) {
    if (p.meanWidth <= width) first ??= p.t;
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

export interface EfficiencyResult {
  width: number;
  /** Per sampler, battles needed per seed (null: not reached within the budget). */
  active: (number | null)[];
  uniform: (number | null)[];
  /** Mean width trace per sampler, averaged over seeds. */
  traceActive: { t: number; meanWidth: number }[];
  traceUniform: { t: number; meanWidth: number }[];
}

/** Battles each sampler needs to bring the mean win-rate interval width to `width`, over seeds. */
export function samplingEfficiency(opts: {
  strengths: readonly number[];
  width: number;
  budget: number;
  seeds: readonly number[];
  noise?: SimulatedJudgeNoise;
  uniformMix?: number;
  traceEvery?: number;
  updateEvery?: number;
  onRun?: (sampler: string, seed: number) => void;
}): EfficiencyResult {
  const out: Record<'active' | 'uniform', { need: (number | null)[]; traces: SimulationRun['trace'][] }> = {
    active: { need: [], traces: [] },
    uniform: { need: [], traces: [] },
  };
  for (const sampler of ['active', 'uniform'] as const) {
    for (const seed of opts.seeds) {
      const run = simulateArena({ strengths: opts.strengths, battles: opts.budget, sampler, seed, noise: opts.noise, uniformMix: opts.uniformMix, traceEvery: opts.traceEvery, updateEvery: opts.updateEvery });
      out[sampler].need.push(battlesToWidth(run, opts.width));
      out[sampler].traces.push(run.trace);
      opts.onRun?.(sampler, seed);
    }
  }
  const meanTrace = (traces: SimulationRun['trace'][]) =>
    traces[0].map((p, k) => ({ t: p.t, meanWidth: traces.reduce((s, tr) => s + tr[k].meanWidth, 0) / traces.length }));
  return {
    width: opts.width,
    active: out.active.need,
    uniform: out.uniform.need,
    traceActive: meanTrace(out.active.traces),
    traceUniform: meanTrace(out.uniform.traces),
  };
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
}): Record<'uniform' | 'active' | 'active (unweighted fit)', number[]> {
  const m = opts.strengths.length;
  const width = (battles: Battle[], seed: number) => {
    const b = bootstrapScores(battles, m, { rounds: opts.rounds, seed, frame: 'mean' });
    return b.upper.reduce((s, u, k) => s + u - b.lower[k], 0) / m;
  };
  const out = { uniform: [] as number[], active: [] as number[], 'active (unweighted fit)': [] as number[] };
  for (const seed of opts.seeds) {
    const base = { strengths: opts.strengths, battles: opts.battles, seed, noise: opts.noise, uniformMix: opts.uniformMix, traceEvery: opts.battles };
    out.uniform.push(width(simulateArena({ ...base, sampler: 'uniform' }).battles, seed));
    const active = simulateArena({ ...base, sampler: 'active' }).battles;
    out.active.push(width(active, seed));
    out['active (unweighted fit)'].push(width(active.map((b) => ({ ...b, weight: 1 })), seed));
  }
  return out;
}
