/**
 * Pair samplers for the Report Arena.
 *
 * The active sampler is Chatbot Arena's rule (Chiang et al. 2024, eq. 9) for shrinking the confidence
 * intervals of the pairwise win-rate estimates fastest. With K pairs, battle t draws pair A_t ~ P_t
 * and records H_t (the score of the pair's first model); the paper's inverse-probability-weighted
 * (Horvitz–Thompson) estimate of pair a's win rate is θ̂_a = (1/T) Σ_t X_t(a) with
 * X_t(a) = H_t·1{A_t = a}/P_t(a), Σ̂_aa = (1/T) Σ_t (X_t(a) − θ̂_a)² its variance estimate, the interval
 * θ̂_a ± z·sqrt(Σ̂_aa/T), and the next pair is drawn with
 *
 *   P_t(a) ∝ sqrt(Σ̂_aa / n_a) − sqrt(Σ̂_aa / (n_a + 1)),
 *
 * n_a = battles of a so far. The samplers also keep the plain per-pair estimate (the ratio or Hájek
 * estimate: the mean score over the n_a battles of a, with variance s²_a/n_a), whose interval width
 * is exactly the sqrt(v/n_a) the rule's formula speaks of; `variance: 'pair'` runs the same rule on
 * that per-pair variance instead of Σ̂_aa.
 *
 * Two practical additions, both ours and both switchable: pairs never battled yet (n_a = 0, an
 * infinite gain) are drawn uniformly among themselves first; and the active distribution is mixed
 * with the uniform one, P = (1 − ε)·P_active + ε/K, so every pair keeps a positive probability
 * (the paper's CLT needs P_t(a) > ε > 0: a pair whose first model has lost every battle so far has
 * Σ̂_aa = 0 and the bare rule never draws it again) and the inverse-probability weights stay bounded
 * by K/ε. The per-pair variance carries one pseudo-battle at the largest possible variance, ¼, so a
 * pair whose battles so far all ended alike does not read as certain.
 *
 * What the simulation study (simulate.ts, notebook 07) finds: measured as the paper measures it
 * (the mean width of the IPW intervals) the rule is no faster than uniform sampling (ε = 0.3) or
 * slower (ε = 0.1): no allocation can save much there, and a P_t that moves from battle to battle
 * adds H/P_t terms that inflate the IPW variance. It does save battles for the largest interval
 * width over pairs (4–10% on Σ̂, 9–26% on the per-pair variance, in the notebook's scenarios).
 */

/** Default ε (see above). */
export const DEFAULT_UNIFORM_MIX = 0.3;

/** Which win-rate estimate: the paper's inverse-probability-weighted one, or the per-pair mean. */
export type WinRateEstimator = 'ipw' | 'pair';

/** Pseudo-battles at variance ¼ in the per-pair variance (see above). */
export const PAIR_PRIOR_BATTLES = 1;

/** The sampler state: what both samplers need to compute P and the win-rate intervals. */
export interface PairSampler {
  readonly name: 'active' | 'uniform';
  /** Number of pairs K. */
  readonly k: number;
  /** The distribution over pairs for the next battle. */
  probabilities(): number[];
  /** Record a judged battle of pair a drawn with probability p, first model scoring h. */
  update(a: number, p: number, h: number): void;
  /** Battles recorded per pair. */
  counts(): number[];
  /** θ̂ and the diagonal of Σ̂ (the IPW win-rate estimates and their variances). */
  winRateEstimates(): { theta: number[]; sigmaDiag: number[]; t: number };
  /** Per pair: mean score over its battles, and the variance of one battle (with the pseudo-battle). */
  pairEstimates(): { mean: number[]; variance: number[]; n: number[] };
}

export interface SamplerOptions {
  /** ε, the uniform share mixed into the active distribution (default DEFAULT_UNIFORM_MIX; 0 is the bare rule). */
  uniformMix?: number;
  /** The variance the active rule uses: Σ̂_aa of the IPW estimate (the paper, default) or the per-pair variance. */
  variance?: WinRateEstimator;
}

/** Running sums shared by both samplers. */
class WinRateSums {
  t = 0;
  readonly n: Float64Array;
  private readonly x1: Float64Array;
  private readonly x2: Float64Array;
  private readonly h1: Float64Array;
  private readonly h2: Float64Array;
  constructor(readonly k: number) {
    this.n = new Float64Array(k);
    this.x1 = new Float64Array(k);
    this.x2 = new Float64Array(k);
    this.h1 = new Float64Array(k);
    this.h2 = new Float64Array(k);
  }
  update(a: number, p: number, h: number): void {
    if (!(a >= 0 && a < this.k)) throw new Error(`sampler: pair index ${a} is not among ${this.k} pairs`);
    if (!(p > 0 && p <= 1)) throw new Error(`sampler: probability ${p} of pair ${a} is not in (0, 1]`);
    const x = h / p;
    this.t += 1;
    this.n[a] += 1;
    this.x1[a] += x;
    this.x2[a] += x * x;
    this.h1[a] += h;
    this.h2[a] += h * h;
  }
  estimates(): { theta: number[]; sigmaDiag: number[]; t: number } {
    const theta: number[] = [];
    const sigmaDiag: number[] = [];
    for (let a = 0; a < this.k; a++) {
      const th = this.t > 0 ? this.x1[a] / this.t : NaN;
      theta.push(th);
      // (1/T) Σ (X − θ̂)² = (1/T) Σ X² − θ̂², X = 0 on the battles of other pairs.
      sigmaDiag.push(this.t > 0 ? Math.max(0, this.x2[a] / this.t - th * th) : NaN);
    }
    return { theta, sigmaDiag, t: this.t };
  }
  pairEstimates(): { mean: number[]; variance: number[]; n: number[] } {
    const mean: number[] = [];
    const variance: number[] = [];
    for (let a = 0; a < this.k; a++) {
      const n = this.n[a];
      const m = n > 0 ? this.h1[a] / n : NaN;
      mean.push(m);
      // (Σ (H − m)² + n0·¼) / (n + n0): the sample variance with n0 pseudo-battles at ¼.
      const ss = n > 0 ? Math.max(0, this.h2[a] - n * m * m) : 0;
      variance.push((ss + PAIR_PRIOR_BATTLES / 4) / (n + PAIR_PRIOR_BATTLES));
    }
    return { mean, variance, n: Array.from(this.n) };
  }
}

abstract class SamplerBase {
  protected readonly rates: WinRateSums;
  constructor(readonly k: number) {
    if (k < 1) throw new Error('sampler: no pairs to sample');
    this.rates = new WinRateSums(k);
  }
  update(a: number, p: number, h: number): void {
    this.rates.update(a, p, h);
  }
  counts(): number[] {
    return Array.from(this.rates.n);
  }
  winRateEstimates() {
    return this.rates.estimates();
  }
  pairEstimates() {
    return this.rates.pairEstimates();
  }
}

export class UniformSampler extends SamplerBase implements PairSampler {
  readonly name = 'uniform' as const;
  probabilities(): number[] {
    return new Array<number>(this.k).fill(1 / this.k);
  }
}

export class ActiveSampler extends SamplerBase implements PairSampler {
  readonly name = 'active' as const;
  private readonly eps: number;
  private readonly variance: WinRateEstimator;
  constructor(k: number, opts: SamplerOptions = {}) {
    super(k);
    this.eps = opts.uniformMix ?? DEFAULT_UNIFORM_MIX;
    if (!(this.eps >= 0 && this.eps <= 1)) throw new Error(`sampler: uniformMix ${this.eps} is not in [0, 1]`);
    this.variance = opts.variance ?? 'ipw';
  }
  /** The bare active rule (no uniform mix, no warm-up): width gains sqrt(v/n) − sqrt(v/(n + 1)). */
  activeGains(): number[] {
    const v = this.variance === 'ipw' ? this.rates.estimates().sigmaDiag : this.rates.pairEstimates().variance;
    const n = this.rates.n;
    return v.map((s, a) => Math.sqrt(s / n[a]) - Math.sqrt(s / (n[a] + 1)));
  }
  probabilities(): number[] {
    const k = this.k;
    const n = this.rates.n;
    const unseen: number[] = [];
    for (let a = 0; a < k; a++) if (n[a] === 0) unseen.push(a);
    let active: number[];
    if (unseen.length > 0) {
      active = new Array<number>(k).fill(0);
      for (const a of unseen) active[a] = 1 / unseen.length;
    } else {
      const gains = this.activeGains();
      const total = gains.reduce((x, y) => x + y, 0);
      active = total > 0 ? gains.map((g) => g / total) : new Array<number>(k).fill(1 / k);
    }
    return active.map((p) => (1 - this.eps) * p + this.eps / k);
  }
}

export function makeSampler(name: 'active' | 'uniform', k: number, opts: SamplerOptions = {}): PairSampler {
  return name === 'active' ? new ActiveSampler(k, opts) : new UniformSampler(k);
}

/**
 * Half-widths of the normal-approximation intervals of the win-rate estimates, per pair:
 * z·sqrt(Σ̂_aa / T) for the IPW estimate (NaN before any battle), z·sqrt(v_a / n_a) for the per-pair
 * mean (v_a with its pseudo-battle; Infinity for a pair never battled).
 */
export function winRateHalfWidths(sampler: PairSampler, z = 1.959964, estimator: WinRateEstimator = 'ipw'): number[] {
  if (estimator === 'pair') {
    const { variance, n } = sampler.pairEstimates();
    return variance.map((v, a) => z * Math.sqrt(v / n[a]));
  }
  const { sigmaDiag, t } = sampler.winRateEstimates();
  return sigmaDiag.map((s) => (t > 0 ? z * Math.sqrt(s / t) : NaN));
}

/** All unordered pairs (i < j) of m models, in row order. */
export function allPairs(m: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) pairs.push([i, j]);
  return pairs;
}
