/**
 * Paired differences over held-out items and seeds, with their noise: what `deepmedix study` reports.
 *
 * A measure θ (VQA accuracy, the weighted report average, the box-match rate, a split's score) is a
 * function of per-item statistics. For each seed s the difference D_s = θ(end_s) − θ(start_s) is
 * taken on the same items (paired); the estimate is the mean over seeds, D̄. Its variance has a seed
 * part and an item part (the items are a sample too, and the same items serve every seed):
 *
 *   SE² = s²(D_s) / S  +  Var_jack,items(D̄)
 *
 * the between-seed variance of the per-seed differences (estimating σ²_seed/S + σ²_e/(nS); the
 * items' main effect cancels because every seed sees the same items) plus the delete-a-group
 * jackknife over K blocks of items of the seed-averaged difference (σ²_items/n + σ²_e/(nS)). The
 * interaction term is counted twice, so the interval is slightly conservative. The 95% interval is
 * D̄ ± t·SE with Welch–Satterthwaite degrees of freedom from the two parts. With one seed only the
 * item part is there (and `seeds` = 1 says so).
 */

export interface PairedEstimate {
  /** D̄: the mean over seeds of the paired difference. */
  mean: number;
  se: number;
  /** 95% interval. */
  lo: number;
  hi: number;
  /** Seeds and items behind it. */
  seeds: number;
  items: number;
  /** The per-seed differences D_s. */
  perSeed: number[];
  /** Degrees of freedom of the t quantile. */
  df: number;
  /** The two parts of SE²: between seeds (s²(D_s)/S) and over items (the jackknife). */
  seedVariance: number;
  itemVariance: number;
}

/** Seeded, deterministic assignment of item indices to K near-equal blocks (round-robin in index order). */
export function itemBlocks(n: number, k: number): number[][] {
  const K = Math.max(2, Math.min(k, n));
  const blocks: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < n; i++) blocks[i % K].push(i);
  return blocks;
}

/**
 * The paired estimate of θ(end) − θ(start) over `seeds` seeds and K item blocks:
 * `measure(leaveOut, which, seed)` computes θ for the start ('a') or the end ('b') of a seed
 * (0 … seeds − 1) on all items (`leaveOut` null) or on all items but those of block `leaveOut`
 * (0 … K − 1, blocks from `itemBlocks`). Measures may be null (e.g. no boxes at all): a seed or
 * block whose θ is null on either side is left out.
 */
export function pairedEstimate(n: number, seeds: number, measure: (leaveOut: number | null, which: 'a' | 'b', seed: number) => number | null, k = 20): PairedEstimate | null {
  if (n < 2) throw new Error(`paired estimate: need at least 2 items (got ${n})`);
  if (seeds < 1) throw new Error('paired estimate: need at least 1 seed');
  const diff = (leaveOut: number | null, s: number): number | null => {
    const [a, b] = [measure(leaveOut, 'a', s), measure(leaveOut, 'b', s)];
    return a === null || b === null ? null : b - a;
  };
  const perSeed = Array.from({ length: seeds }, (_, s) => diff(null, s)).filter((d): d is number => d !== null);
  if (!perSeed.length) return null;
  const S = perSeed.length;
  const mean = perSeed.reduce((a, b) => a + b, 0) / S;
  const seedVar = S > 1 ? perSeed.reduce((a, d) => a + (d - mean) ** 2, 0) / (S - 1) / S : 0;
  const K = itemBlocks(n, k).length;
  const leaveOut: number[] = [];
  for (let j = 0; j < K; j++) {
    const ds = Array.from({ length: seeds }, (_, s) => diff(j, s)).filter((d): d is number => d !== null);
    if (ds.length) leaveOut.push(ds.reduce((a, b) => a + b, 0) / ds.length);
  }
  const J = leaveOut.length;
  const jackMean = leaveOut.reduce((a, b) => a + b, 0) / Math.max(1, J);
  const itemVar = J > 1 ? ((J - 1) / J) * leaveOut.reduce((a, d) => a + (d - jackMean) ** 2, 0) : 0;
  const variance = seedVar + itemVar;
  const se = Math.sqrt(variance);
  const parts = [S > 1 ? { v: seedVar, df: S - 1 } : null, J > 1 ? { v: itemVar, df: J - 1 } : null].filter((p): p is { v: number; df: number } => p !== null && p.v > 0);
  const df = parts.length ? variance ** 2 / parts.reduce((a, p) => a + p.v ** 2 / p.df, 0) : Math.max(1, J - 1);
  const t = tQuantile(0.975, df);
  return { mean, se, lo: mean - t * se, hi: mean + t * se, seeds: S, items: n, perSeed, df, seedVariance: seedVar, itemVariance: itemVar };
}

/** ln Γ(x) (Lanczos, g = 7), for the t distribution. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized incomplete beta I_x(a, b), by its continued fraction (modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = i >> 1;
    const num = i === 0 ? 1 : i % 2 === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = 1 + num / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-14) break;
  }
  return front * (f - 1);
}

/** P(T ≤ t) for Student's t with df degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (bisection on the CDF; df may be fractional). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`tQuantile: df must be > 0, got ${df}`);
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
