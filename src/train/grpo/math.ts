/**
 * The mathematics of GRPO (Group Relative Policy Optimization), as pure functions:
 *
 *  - group-normalized advantages  Â_i = (r_i − mean(r_group)) / (std(r_group) + ε)
 *    (one advantage per response, shared by all its tokens; a group whose rewards are all equal
 *    gets Â = 0, and how often that happens is counted: `frac_reward_zero_std`);
 *  - the token-level clipped surrogate  min(ρ·Â, clip(ρ, 1 − ε_low, 1 + ε_high)·Â),
 *    ρ = π_θ(o_t | …) / π_old(o_t | …) = exp(log π_θ − log π_old);
 *  - the k3 estimator of KL(π_θ ‖ π_ref) per token:  π_ref/π_θ − log(π_ref/π_θ) − 1  (≥ 0);
 *  - aggregation of the per-token loss  ℓ_t = −surrogate_t + β·k3_t  over the response tokens:
 *      'sequence' (the GRPO paper / DeepSeekMath): mean over each response's tokens, then over responses;
 *      'token'    (DAPO, EasyR1's token-mean): one mean over all response tokens of the batch.
 *    Padding positions (mask 0) contribute nothing, to the loss or to its gradient.
 *
 * The loss is a tfjs function of the current per-token log-probs, so `tf.variableGrad`/`optimizer.minimize`
 * differentiate through it; everything else (old and reference log-probs, advantages, mask) is constant.
 */
import * as tf from '@tensorflow/tfjs';

export interface GroupAdvantageOptions {
  /** ε added to the group std (EasyR1 1e-6, TRL 1e-4). */
  stdEps?: number;
  /** 'unbiased' (Bessel-corrected, as torch.std in EasyR1/verl and TRL) or 'population'. */
  std?: 'unbiased' | 'population';
  /** Divide by the group std (Dr. GRPO drops this: false). Default true. */
  scaleByStd?: boolean;
  /** A group whose std is at most this counts as zero-std. */
  zeroStdTol?: number;
}

export interface GroupAdvantages {
  /** One advantage per response, in the order of the rewards. */
  advantages: number[];
  /** Per group: mean and std of its rewards. */
  groupMean: number[];
  groupStd: number[];
  /** Per group: whether its rewards were all (numerically) equal, so its advantages are 0. */
  zeroStd: boolean[];
  /** Groups whose rewards were all (numerically) equal: their advantages are 0. */
  zeroStdGroups: number;
  /** zeroStdGroups / number of groups (logged as frac_reward_zero_std). */
  fracZeroStd: number;
}

/**
 * Advantages for rewards laid out group after group (responses 0…G−1 answer prompt 0, G…2G−1
 * prompt 1, …). A group of size 1 has no spread to normalize by: it is a configuration error.
 */
export function groupAdvantages(rewards: ArrayLike<number>, groupSize: number, opts: GroupAdvantageOptions = {}): GroupAdvantages {
  const { stdEps = 1e-6, std: stdKind = 'unbiased', scaleByStd = true, zeroStdTol = 1e-8 } = opts;
  if (!Number.isInteger(groupSize) || groupSize < 2) {
    throw new Error(`GRPO group size must be an integer ≥ 2 (got ${groupSize}): advantages are relative to the other responses of the same prompt`);
  }
  if (rewards.length % groupSize !== 0) throw new Error(`${rewards.length} rewards do not split into groups of ${groupSize}`);
  const nGroups = rewards.length / groupSize;
  const advantages = new Array<number>(rewards.length);
  const groupMean: number[] = [];
  const groupStd: number[] = [];
  const zeroStd: boolean[] = [];
  let zeroStdGroups = 0;
  for (let g = 0; g < nGroups; g++) {
    let sum = 0;
    for (let i = 0; i < groupSize; i++) {
      const r = rewards[g * groupSize + i];
      if (!Number.isFinite(r)) throw new Error(`reward ${g * groupSize + i} is ${r}; rewards must be finite (use safeReward)`);
      sum += r;
    }
    const mean = sum / groupSize;
    let ss = 0;
    for (let i = 0; i < groupSize; i++) ss += (rewards[g * groupSize + i] - mean) ** 2;
    const sd = Math.sqrt(ss / (stdKind === 'unbiased' ? groupSize - 1 : groupSize));
    const zero = sd <= zeroStdTol;
    if (zero) zeroStdGroups++;
    for (let i = 0; i < groupSize; i++) {
      const k = g * groupSize + i;
      advantages[k] = zero ? 0 : scaleByStd ? (rewards[k] - mean) / (sd + stdEps) : rewards[k] - mean;
    }
    groupMean.push(mean);
    groupStd.push(sd);
    zeroStd.push(zero);
  }
  return { advantages, groupMean, groupStd, zeroStd, zeroStdGroups, fracZeroStd: nGroups ? zeroStdGroups / nGroups : 0 };
}

/** k3 = exp(ref − logp) − (ref − logp) − 1 per token, optionally clamped to [−clamp, clamp] (EasyR1 low_var_kl: 10). */
export function k3Kl(logProbs: tf.Tensor2D, refLogProbs: tf.Tensor2D, clamp?: number): tf.Tensor2D {
  return tf.tidy(() => {
    const d = tf.sub(refLogProbs, logProbs);
    const k = tf.sub(tf.sub(tf.exp(d), d), 1) as tf.Tensor2D;
    return clamp !== undefined && Number.isFinite(clamp) ? (tf.clipByValue(k, -clamp, clamp) as tf.Tensor2D) : k;
  });
}

export type LossAggregation = 'token' | 'sequence';

export interface PolicyLossOptions {
  /** ε_low: the ratio is clipped below at 1 − clipLow. */
  clipLow: number;
  /** ε_high: the ratio is clipped above at 1 + clipHigh (DAPO's clip-higher when > clipLow). */
  clipHigh: number;
  /** KL coefficient β; 0 skips the KL term (no reference log-probs needed). */
  beta: number;
  agg: LossAggregation;
  /** Optional clamp on the per-token k3 value. */
  klClamp?: number;
}

export interface PolicyLossInput {
  /** log π_θ per token [N, T] (the differentiable input). */
  logProbs: tf.Tensor2D;
  /** log π_old per token [N, T], recorded when the responses were sampled. */
  oldLogProbs: tf.Tensor2D;
  /** log π_ref per token [N, T]; required when β > 0. */
  refLogProbs?: tf.Tensor2D;
  /** Â per response [N]. */
  advantages: tf.Tensor1D;
  /** 1 on response tokens, 0 on padding [N, T]. */
  mask: tf.Tensor2D;
}

export interface PolicyLoss {
  /** The scalar to minimize: −surrogate + β·KL, aggregated. */
  loss: tf.Scalar;
  /** The surrogate objective alone (aggregated the same way), to be maximized. */
  surrogate: tf.Scalar;
  /** Mean k3 KL over response tokens (0 when β = 0 and no reference is given). */
  kl: tf.Scalar;
  /** Fraction of response tokens where the clipped term is the active one. */
  clipFraction: tf.Scalar;
  /** Mean ratio over response tokens. */
  ratioMean: tf.Scalar;
}

/** Aggregate per-token values [N, T] under a mask: 'token' = masked mean; 'sequence' = mean of per-response masked means. */
export function aggregate(values: tf.Tensor2D, mask: tf.Tensor2D, agg: LossAggregation): tf.Scalar {
  return tf.tidy(() => {
    const masked = tf.mul(values, mask);
    if (agg === 'token') return tf.div(tf.sum(masked), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    const perSeq = tf.div(tf.sum(masked, 1), tf.maximum(tf.sum(mask, 1), 1));
    return tf.mean(perSeq) as tf.Scalar;
  });
}

/** The GRPO policy loss and its diagnostics. Call inside `tf.variableGrad`/`minimize` for the gradient. */
export function grpoPolicyLoss(input: PolicyLossInput, opts: PolicyLossOptions): PolicyLoss {
  const { logProbs, oldLogProbs, refLogProbs, advantages, mask } = input;
  if (opts.beta > 0 && !refLogProbs) throw new Error('GRPO loss: β > 0 needs reference log-probs');
  const [N, T] = logProbs.shape;
  for (const [name, t] of [['oldLogProbs', oldLogProbs], ['mask', mask], ['refLogProbs', refLogProbs]] as const) {
    if (t && (t.shape[0] !== N || t.shape[1] !== T)) throw new Error(`GRPO loss: ${name} has shape [${t.shape}], expected [${N}, ${T}]`);
  }
  if (advantages.shape[0] !== N) throw new Error(`GRPO loss: ${advantages.shape[0]} advantages for ${N} responses`);
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32') as tf.Tensor2D;
    // Padding positions are neutralized before exp(): whatever numbers sit there (even ones that
    // would overflow), they give ratio 1, k3 0 and no gradient.
    const on = tf.greater(m, 0);
    const zeros = tf.zerosLike(logProbs);
    const live = tf.where(on, logProbs, zeros) as tf.Tensor2D;
    const ratio = tf.exp(tf.sub(live, tf.where(on, oldLogProbs, zeros))) as tf.Tensor2D;
    const adv = tf.reshape(advantages, [N, 1]);
    const surr1 = tf.mul(ratio, adv);
    const surr2 = tf.mul(tf.clipByValue(ratio, 1 - opts.clipLow, 1 + opts.clipHigh), adv);
    const surr = tf.minimum(surr1, surr2) as tf.Tensor2D;
    const clipped = tf.cast(tf.less(surr2, surr1), 'float32') as tf.Tensor2D;
    const klTok = refLogProbs ? k3Kl(live, tf.where(on, refLogProbs, zeros) as tf.Tensor2D, opts.klClamp) : (tf.zerosLike(logProbs) as tf.Tensor2D);
    const perTok = opts.beta > 0 ? (tf.sub(tf.mul(klTok, opts.beta), surr) as tf.Tensor2D) : (tf.neg(surr) as tf.Tensor2D);
    return {
      loss: aggregate(perTok, m, opts.agg),
      surrogate: aggregate(surr, m, opts.agg),
      kl: aggregate(klTok, m, 'token'),
      clipFraction: aggregate(clipped, m, 'token'),
      ratioMean: aggregate(ratio, m, 'token'),
    };
  });
}

/**
 * Histogram over fixed edges e_0 < … < e_{n−1}: n + 1 counts, counts[0] = #{v < e_0},
 * counts[i] = #{e_{i−1} ≤ v < e_i}, counts[n] = #{v ≥ e_{n−1}}.
 */
export function histogram(values: ArrayLike<number>, edges: number[]): { edges: number[]; counts: number[] } {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    let i = 0;
    while (i < edges.length && v >= edges[i]) i++;
    counts[i]++;
  }
  return { edges, counts };
}
