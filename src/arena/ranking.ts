/**
 * From a battle log to the arena's results: the weighted Bradley–Terry scores with bootstrap
 * intervals on the three scales (log-odds ξ, the paper's [0, 1] normalization, Elo-like), the
 * ranking, the battle-count matrix and the win-rate matrix (Fig. 2h–j of the paper).
 */
import { bootstrapScores, type BootstrapResult } from './bootstrap.js';
import { bradleyTerryFit, type BradleyTerryFit } from './bradley-terry.js';
import { applyScale, eloScale, maxAbsScale, type AffineScale } from './scales.js';
import type { Battle, BattleRecord } from './types.js';

export interface RankingOptions {
  /** Bootstrap rounds (0: no intervals). */
  bootstrap: number;
  seed: number;
  level?: number;
  /** Inverse-probability weights 1/p (default true, as the paper); false weighs battles equally. */
  weighted?: boolean;
  /** Model whose ξ is pinned to 0 (default: the first). */
  pin?: string;
  /** Interval frame (see bootstrap.ts): 'mean' (default) or 'pin'. */
  frame?: 'mean' | 'pin';
}

export interface ScaledScores {
  scale: AffineScale;
  score: number[];
  lower: number[];
  upper: number[];
}

export interface ArenaRanking {
  models: string[];
  /** Judged (non-skipped) battles used. */
  battles: number;
  skipped: number;
  fit: BradleyTerryFit;
  bootstrap: BootstrapResult | null;
  /** Log-odds scores (pinned model at 0), normalized [0, 1] (paper), Elo-like (peers). */
  logOdds: ScaledScores;
  normalized: ScaledScores;
  elo: ScaledScores;
  /** Model indices, best first. */
  order: number[];
  /** Rank of each model (1 = best), by the point estimate. */
  rank: number[];
}

/** Judged battles as the fit reads them (model indices, outcome of modelA, weight 1/p or 1). */
export function battlesFromRecords(records: readonly BattleRecord[], models: readonly string[], weighted = true): Battle[] {
  const index = new Map(models.map((m, k) => [m, k]));
  const out: Battle[] = [];
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const i = index.get(r.modelA);
    const j = index.get(r.modelB);
    if (i === undefined || j === undefined) throw new Error(`battle ${r.t}: model ${i === undefined ? r.modelA : r.modelB} is not in the model list`);
    out.push({ i, j, outcome: r.outcome!, weight: weighted ? 1 / r.p : 1 });
  }
  return out;
}

export function arenaRanking(records: readonly BattleRecord[], models: readonly string[], opts: RankingOptions): ArenaRanking {
  const battles = battlesFromRecords(records, models, opts.weighted ?? true);
  if (battles.length === 0) throw new Error('arena ranking: no judged battles');
  const pin = opts.pin === undefined ? 0 : models.indexOf(opts.pin);
  if (pin < 0) throw new Error(`arena ranking: pinned model '${opts.pin}' is not in the model list`);
  const m = models.length;
  const fit = bradleyTerryFit(battles, m, { pin });
  const boot = opts.bootstrap > 0 ? bootstrapScores(battles, m, { rounds: opts.bootstrap, seed: opts.seed, level: opts.level, pin, frame: opts.frame ?? 'mean' }) : null;
  const scaled = (scale: AffineScale): ScaledScores => ({
    scale,
    score: fit.scores.map((x) => applyScale(scale, x)),
    lower: boot ? boot.lower.map((x) => applyScale(scale, x)) : fit.scores.map(() => NaN),
    upper: boot ? boot.upper.map((x) => applyScale(scale, x)) : fit.scores.map(() => NaN),
  });
  const identity: AffineScale = { name: 'log-odds (ξ)', shift: 0, factor: 1, offset: 0 };
  const order = fit.scores.map((_, k) => k).sort((a, b) => fit.scores[b] - fit.scores[a]);
  const rank = new Array<number>(m);
  order.forEach((k, r) => (rank[k] = r + 1));
  return {
    models: [...models],
    battles: battles.length,
    skipped: records.filter((r) => r.status === 'skipped').length,
    fit,
    bootstrap: boot,
    logOdds: scaled(identity),
    normalized: scaled(maxAbsScale(fit.scores)),
    elo: scaled(eloScale(fit.scores)),
    order,
    rank,
  };
}

/** Judged battles per pair of models (symmetric, zero diagonal). */
export function battleCountMatrix(records: readonly BattleRecord[], models: readonly string[]): number[][] {
  const index = new Map(models.map((m, k) => [m, k]));
  const c = models.map(() => models.map(() => 0));
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const i = index.get(r.modelA)!;
    const j = index.get(r.modelB)!;
    c[i][j]++;
    c[j][i]++;
  }
  return c;
}

/**
 * Observed win rate of row model against column model: its mean score over their judged battles
 * (ties ½; unweighted, as a reader counts them); null where the two never met.
 */
export function winRateMatrix(records: readonly BattleRecord[], models: readonly string[]): (number | null)[][] {
  const index = new Map(models.map((m, k) => [m, k]));
  const s = models.map(() => models.map(() => 0));
  const n = models.map(() => models.map(() => 0));
  for (const r of records) {
    if (r.status !== 'ok') continue;
    const i = index.get(r.modelA)!;
    const j = index.get(r.modelB)!;
    s[i][j] += r.outcome!;
    s[j][i] += 1 - r.outcome!;
    n[i][j]++;
    n[j][i]++;
  }
  return s.map((row, i) => row.map((v, j) => (n[i][j] > 0 ? v / n[i][j] : null)));
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) throw new Error('spearman: need two equal-length lists of at least 2');
  const ranks = (v: readonly number[]) => {
    const idx = v.map((_, k) => k).sort((a, b) => v[a] - v[b]);
    const r = new Array<number>(v.length);
    for (let s = 0; s < idx.length; ) {
      let e = s;
      while (e + 1 < idx.length && v[idx[e + 1]] === v[idx[s]]) e++;
      for (let k = s; k <= e; k++) r[idx[k]] = (s + e) / 2 + 1;
      s = e + 1;
    }
    return r;
  };
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(rx);
  const my = mean(ry);
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let k = 0; k < rx.length; k++) {
    num += (rx[k] - mx) * (ry[k] - my);
    dx += (rx[k] - mx) ** 2;
    dy += (ry[k] - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

/** Kendall's tau-a: (concordant − discordant) / all pairs. */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  let c = 0;
  let d = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const s = Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      if (s > 0) c++;
      else if (s < 0) d++;
    }
  }
  return (c - d) / ((x.length * (x.length - 1)) / 2);
}
