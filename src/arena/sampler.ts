/**
 * Pair samplers for the Report Arena.
 *
 * The active sampler is Chatbot Arena's rule for shrinking the confidence intervals of the pairwise
 * win-rate estimates fastest. With K pairs, battle t draws pair A_t ~ P_t and records H_t (the
 * score of the pair's first model); the inverse-probability-weighted estimate of pair a's win rate
 * is θ̂_a = (1/T) Σ_t X_t(a) with X_t(a) = H_t·1{A_t = a}/P_t(a), Σ̂_aa = (1/T) Σ_t (X_t(a) − θ̂_a)² its
 * variance estimate, and the next pair is drawn with
 *
 *   P_t(a) ∝ sqrt(Σ̂_aa / n_a) − sqrt(Σ̂_aa / (n_a + 1)),
 *
 * the width reduction one more battle of a would buy (n_a = battles of a so far).
 *
 * Two practical additions, both ours and both switchable: pairs never battled yet (n_a = 0, an
 * infinite gain) are drawn uniformly among themselves first; and the active distribution is mixed
 * with the uniform one, P = (1 − ε)·P_active + ε/K, so every pair keeps a positive probability
 * (a pair whose first model has lost every battle so far has Σ̂_aa = 0 and would otherwise never be
 * drawn again) and the inverse-probability weights stay bounded by K/ε.
 *
 * What the simulation study (simulate.ts, notebook 07) finds: the inverse-probability-weighted
 * estimates get noisier when P_t moves from battle to battle (a pair drawn while its probability
 * is small contributes H/P_t, a large term, to Σ̂), so with a small ε the rule needs MORE battles
 * than uniform sampling to reach a given width; with ε = 0.3 it is on a par with uniform. Hence
 * the default ε = 0.3.
 */

/** Default ε (see above). */
export const DEFAULT_UNIFORM_MIX = 0.3;

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
}

export interface SamplerOptions {
  /** ε, the uniform share mixed into the active distribution (default DEFAULT_UNIFORM_MIX; 0 is the bare rule). */
  uniformMix?: number;
}

/** Running sums shared by both samplers. */
class IpwWinRates {
  t = 0;
  readonly n: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  constructor(readonly k: number) {
    this.n = new Float64Array(k);
    this.s1 = new Float64Array(k);
    this.s2 = new Float64Array(k);
  }
  update(a: number, p: number, h: number): void {
    if (!(a >= 0 && a < this.k)) throw new Error(`sampler: pair index ${a} is not among ${this.k} pairs`);
    if (!(p > 0 && p <= 1)) throw new Error(`sampler: probability ${p} of pair ${a} is not in (0, 1]`);
    const x = h / p;
    this.t += 1;
    this.n[a] += 1;
    this.s1[a] += x;
    this.s2[a] += x * x;
  }
  estimates(): { theta: number[]; sigmaDiag: number[]; t: number } {
    const theta: number[] = [];
    const sigmaDiag: number[] = [];
    for (let a = 0; a < this.k; a++) {
      const th = this.t > 0 ? this.s1[a] / this.t : NaN;
      theta.push(th);
      // (1/T) Σ (X − θ̂)² = (1/T) Σ X² − θ̂², X = 0 on the battles of other pairs.
      sigmaDiag.push(this.t > 0 ? Math.max(0, this.s2[a] / this.t - th * th) : NaN);
    }
    return { theta, sigmaDiag, t: this.t };
  }
}

export class UniformSampler implements PairSampler {
  readonly name = 'uniform' as const;
  private readonly rates: IpwWinRates;
  constructor(readonly k: number) {
    if (k < 1) throw new Error('sampler: no pairs to sample');
    this.rates = new IpwWinRates(k);
  }
  probabilities(): number[] {
    return new Array<number>(this.k).fill(1 / this.k);
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
}

export class ActiveSampler implements PairSampler {
  readonly name = 'active' as const;
  private readonly rates: IpwWinRates;
  private readonly eps: number;
  constructor(
    readonly k: number,
    opts: SamplerOptions = {},
  ) {
    if (k < 1) throw new Error('sampler: no pairs to sample');
    this.eps = opts.uniformMix ?? DEFAULT_UNIFORM_MIX;
    if (!(this.eps >= 0 && this.eps <= 1)) throw new Error(`sampler: uniformMix ${this.eps} is not in [0, 1]`);
    this.rates = new IpwWinRates(this.k);
  }
  /** The bare active rule (no uniform mix, no warm-up): normalized width gains. */
  activeGains(): number[] {
    const { sigmaDiag } = this.rates.estimates();
    const n = this.rates.n;
    return sigmaDiag.map((s, a) => Math.sqrt(s / n[a]) - Math.sqrt(s / (n[a] + 1)));
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
  update(a: number, p: number, h: number): void {
    this.rates.update(a, p, h);
  }
  counts(): number[] {
    return Array.from(this.rates.n);
  }
  winRateEstimates() {
    return this.rates.estimates();
  }
}

export function makeSampler(name: 'active' | 'uniform', k: number, opts: SamplerOptions = {}): PairSampler {
  return name === 'active' ? new ActiveSampler(k, opts) : new UniformSampler(k);
}

/**
 * Half-widths of the normal-approximation intervals of the win-rate estimates:
 * z·sqrt(Σ̂_aa / T) per pair (NaN before any battle).
 */
export function winRateHalfWidths(sampler: PairSampler, z = 1.959964): number[] {
  const { sigmaDiag, t } = sampler.winRateEstimates();
  return sigmaDiag.map((s) => (t > 0 ? z * Math.sqrt(s / t) : NaN));
}

/** All unordered pairs (i < j) of m models, in row order. */
export function allPairs(m: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) pairs.push([i, j]);
  return pairs;
}
