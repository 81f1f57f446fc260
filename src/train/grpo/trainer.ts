/**
 * Stage 3: the GRPO trainer (online RL with Group Relative Policy Optimization).
 *
 * One step, for a batch of prompts:
 *   1. sample G responses per prompt from the current policy π_θ (= π_old for this batch), keeping
 *      the log-probability of every sampled token;
 *   2. score each response with the paper's reward r = (1 − λ)·r_ans + λ·r_form + r_coo (a reward that
 *      throws or is not finite gives 0 and a warning);
 *   3. group-normalize the rewards into advantages Â (one per response);
 *   4. if β > 0, per-token log-probs of the responses under the frozen reference π_ref;
 *   5. μ policy updates on the clipped surrogate − β·KL, each recomputing log π_θ and reusing the
 *      old log-probs of step 1 (so updates 2…μ are off-policy and the clip matters).
 * Everything is logged per step (reward mean/std per component, KL, clip fraction, entropy,
 * lengths, fraction of zero-std groups, advantage histogram, time split) to `steps.jsonl`, and the
 * trainer checkpoints and resumes exactly (weights, optimizer moments, random streams, data cursor).
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../../config.js';
import { isVisionParam } from '../../model/spec.js';
import { computeReward, safeReward, type RewardComponents, type RewardSpec } from '../../rewards/compose.js';
import { Rng } from '../../util/rng.js';
import { groupAdvantages, grpoPolicyLoss, histogram } from './math.js';
import { AdamW } from '../optim.js';
import type { GrpoPolicy, GrpoPrompt, SampledResponse } from './policy.js';

export type GrpoConfig = Config['grpo'];

/** Edges of the logged advantage histogram. */
export const ADVANTAGE_EDGES = [-2, -1.5, -1, -0.5, -1e-9, 1e-9, 0.5, 1, 1.5, 2];

export interface Stat {
  mean: number;
  std: number;
}

export interface GrpoStepLog {
  step: number;
  /** Rewards of this step's G·batchPrompts responses, per component. */
  reward: { total: Stat; answer: Stat; format: Stat; coordinate: Stat };
  /** Mean k3 KL to the reference over response tokens (first update); null when β = 0. */
  kl: number | null;
  /** Fraction of response tokens with the clipped term active, averaged over the μ updates. */
  clipFraction: number;
  /** Mean ratio π_θ/π_old over response tokens, last update. */
  ratioMean: number;
  /** Monte-Carlo entropy estimate: mean −log π_old of the sampled tokens (at the sampling temperature). */
  entropy: number;
  loss: number;
  /** Global gradient norm before clipping (first update). */
  gradNorm: number;
  responseLength: { mean: number; max: number };
  /** Fraction of responses that ended with EOS. */
  stoppedFraction: number;
  fracRewardZeroStd: number;
  advantageHistogram: { edges: number[]; counts: number[] };
  /** Responses whose reward failed (set to 0). */
  rewardWarnings: number;
  /** Boxes written in think blocks per response, mean. */
  boxesPerResponse: number;
  seconds: { generate: number; reward: number; update: number; total: number };
}

export interface GrpoTrainerOptions {
  /** Global-norm gradient clip (0: none). Default 1 (EasyR1's max_grad_norm). */
  clipNorm?: number;
  /** AdamW decoupled weight decay on the matrices. Default 0.01 (EasyR1's). */
  weightDecay?: number;
  /** Optional clamp of per-token k3. */
  klClamp?: number;
  /** Called with each warning (reward failures); default console.warn. */
  warn?: (msg: string) => void;
  /** Seed of the data order and sampling streams (default: the config's master seed). */
  seed?: number;
  /** Keep the last step's responses and rewards on the trainer (for notebooks). */
  keepLastBatch?: boolean;
  /** The reward function (default: the paper's, computeReward under the trainer's RewardSpec); for experiments and tests. */
  reward?: typeof computeReward;
}

/** What one step saw, for inspection (notebook 05 dissects it). */
export interface GrpoBatch {
  prompts: GrpoPrompt[];
  responses: SampledResponse[];
  rewards: RewardComponents[];
  advantages: number[];
}

export interface GrpoState {
  step: number;
  /** AdamW updates applied (μ per step). */
  optimizerStep: number;
  dataRng: number[];
  sampleRng: number[];
  order: number[];
  cursor: number;
}

/** Scale gradients to a global norm ≤ maxNorm (0: no clipping); returns the norm before clipping. Disposes what it replaces. */
function clipGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: number } {
  const normT = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grads, norm };
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    out.set(k, tf.tidy(() => tf.mul(g, maxNorm / norm)));
    g.dispose();
  }
  return { grads: out, norm };
}

function stat(xs: number[]): Stat {
  if (xs.length === 0) return { mean: 0, std: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}

/** Check the GRPO settings before any work: a group of size 1 (no relative signal) is an error. */
export function validateGrpoConfig(c: GrpoConfig): void {
  const bad = (m: string) => {
    throw new Error(`grpo config: ${m}`);
  };
  if (!Number.isInteger(c.groupSize) || c.groupSize < 2) bad(`groupSize must be an integer ≥ 2 (got ${c.groupSize}): GRPO's advantage compares a response with the others of its group`);
  if (!Number.isInteger(c.batchPrompts) || c.batchPrompts < 1) bad(`batchPrompts must be a positive integer (got ${c.batchPrompts})`);
  if (!Number.isInteger(c.mu) || c.mu < 1) bad(`mu must be a positive integer (got ${c.mu})`);
  if (!(c.clipLow >= 0 && c.clipLow < 1)) bad(`clipLow must be in [0, 1) (got ${c.clipLow})`);
  if (!(c.clipHigh >= 0)) bad(`clipHigh must be ≥ 0 (got ${c.clipHigh})`);
  if (!(c.beta >= 0)) bad(`beta must be ≥ 0 (got ${c.beta})`);
  if (!(c.temperature > 0)) bad(`temperature must be > 0 for sampling (got ${c.temperature})`);
  if (!(c.topP > 0 && c.topP <= 1)) bad(`topP must be in (0, 1] (got ${c.topP})`);
  if (!(c.stdEps >= 0)) bad(`stdEps must be ≥ 0 (got ${c.stdEps})`);
  if (!(c.lr > 0)) bad(`lr must be > 0 (got ${c.lr})`);
  if (!(Number.isInteger(c.valPrompts) && c.valPrompts >= 0 && Number.isInteger(c.valEvery) && c.valEvery >= 0)) bad(`valPrompts and valEvery must be integers ≥ 0 (got ${c.valPrompts}, ${c.valEvery})`);
  if (!(Number.isInteger(c.updateBatch) && c.updateBatch >= 0)) bad(`updateBatch must be an integer ≥ 0 (0: the whole batch in one pass; got ${c.updateBatch})`);
}

/** [start, end) row ranges of at most `size` rows covering 0…n (size 0: one range). */
export function rowChunks(n: number, size: number): [number, number][] {
  const step = size > 0 ? size : n;
  const out: [number, number][] = [];
  for (let a = 0; a < n; a += step) out.push([a, Math.min(n, a + step)]);
  return out;
}

/** Pad rows of numbers to [N, R] (0 past each row's end). */
function padRows(rows: readonly number[][], R: number): Float32Array {
  const out = new Float32Array(rows.length * R);
  rows.forEach((r, i) => out.set(r.slice(0, R), i * R));
  return out;
}

export class GrpoTrainer {
  readonly config: GrpoConfig;
  readonly rewardSpec: RewardSpec;
  readonly optimizer: AdamW;
  step = 0;
  lastBatch: GrpoBatch | null = null;
  private readonly dataRng: Rng;
  private readonly sampleRng: Rng;
  private order: number[] = [];
  private cursor = 0;
  private readonly opts: Required<Omit<GrpoTrainerOptions, 'klClamp' | 'seed' | 'weightDecay'>> & Pick<GrpoTrainerOptions, 'klClamp'>;
  /** tf.Variable name -> parameter name (variableGrads keys gradients by the former). */
  private readonly paramOf = new Map<string, string>();
  /** The weights the updates change: all, or the decoder's alone under grpo.freezeVision. */
  private readonly trainable: Map<string, tf.Variable>;

  constructor(
    readonly policy: GrpoPolicy,
    /** The frozen reference π_ref; may be null when β = 0. */
    readonly reference: GrpoPolicy | null,
    readonly data: readonly GrpoPrompt[],
    config: GrpoConfig,
    rewardSpec: RewardSpec,
    options: GrpoTrainerOptions = {},
  ) {
    validateGrpoConfig(config);
    if (config.beta > 0 && !reference) throw new Error('grpo: beta > 0 needs a reference policy (or set grpo.beta=0)');
    if (data.length === 0) throw new Error('grpo: no RL prompts');
    const clinical = rewardSpec.clinical ?? 0;
    if (!(clinical >= 0 && clinical <= 1)) throw new Error(`reward config: clinical must be in [0, 1] (got ${rewardSpec.clinical})`);
    this.config = { ...config };
    this.rewardSpec = { ...rewardSpec };
    this.opts = {
      clipNorm: options.clipNorm ?? 1.0,
      klClamp: options.klClamp,
      warn: options.warn ?? ((m) => console.warn(m)),
      keepLastBatch: options.keepLastBatch ?? false,
      reward: options.reward ?? computeReward,
    };
    const seed = options.seed ?? 7;
    this.dataRng = Rng.derive(seed, 'grpo-data');
    this.sampleRng = Rng.derive(seed, 'grpo-sample');
    for (const [name, v] of policy.params) this.paramOf.set(v.name, name);
    this.trainable = config.freezeVision ? new Map([...policy.params].filter(([name]) => !isVisionParam(name))) : policy.params;
    if (this.trainable.size === 0) throw new Error('grpo: no trainable parameters (freezeVision leaves none)');
    this.optimizer = new AdamW(this.trainable, policy.decayed ?? new Set(), { weightDecay: options.weightDecay ?? 0.01 });
  }

  /** The next batchPrompts prompts: a seeded shuffle of the data, reshuffled at each pass. */
  private nextBatch(): GrpoPrompt[] {
    const out: GrpoPrompt[] = [];
    while (out.length < this.config.batchPrompts) {
      if (this.cursor >= this.order.length) {
        this.order = this.dataRng.shuffle(this.data.map((_, i) => i));
        this.cursor = 0;
      }
      out.push(this.data[this.order[this.cursor++]]);
    }
    return out;
  }

  /** Run one GRPO step and return its log. */
  trainStep(): GrpoStepLog {
    const c = this.config;
    const G = c.groupSize;
    const t0 = performance.now();
    const prompts = this.nextBatch();
    const responses = this.policy.sample(prompts, G, { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topP: c.topP, rng: this.sampleRng });
    if (responses.length !== prompts.length * G) throw new Error(`grpo: policy returned ${responses.length} responses for ${prompts.length} prompts × G = ${G}`);
    const t1 = performance.now();

    let warnings = 0;
    const rewards = responses.map((r, i) => {
      const p = prompts[r.promptIndex];
      const s = safeReward(r.text, p.answer, this.rewardSpec, p.kind, this.opts.reward);
      if (s.warning) {
        warnings++;
        this.opts.warn(`grpo step ${this.step + 1}: response ${i} to prompt '${p.id}': ${s.warning}`);
      }
      return s.components;
    });
    const adv = groupAdvantages(rewards.map((r) => r.total), G, { stdEps: c.stdEps, scaleByStd: c.scaleRewards });
    const t2 = performance.now();

    const rowPrompts = responses.map((r) => prompts[r.promptIndex]);
    const tokens = responses.map((r) => r.tokens);
    const N = responses.length;
    const totalTokens = Math.max(1, tokens.reduce((a, t) => a + t.length, 0));
    // The update runs over chunks of at most updateBatch responses (memory: the backward pass holds
    // every chunk row's activations), their gradients summed. Each chunk's loss is weighted by its
    // share of the batch (tokens for 'token', responses for 'sequence'), so the sum is the loss of
    // the whole batch and the update is the same as in one pass, up to float rounding.
    const chunks = rowChunks(N, c.updateBatch).map(([a, b]) => {
      const prompts = rowPrompts.slice(a, b);
      const toks = tokens.slice(a, b);
      const R = Math.max(1, ...toks.map((t) => t.length));
      const n = b - a;
      const chunkTokens = toks.reduce((x, t) => x + t.length, 0);
      return {
        prompts,
        tokens: toks,
        oldLp: tf.tensor2d(padRows(responses.slice(a, b).map((r) => r.logProbs), R), [n, R]),
        mask: tf.tensor2d(padRows(toks.map((t) => t.map(() => 1)), R), [n, R]),
        adv: tf.tensor1d(adv.advantages.slice(a, b)),
        refLp: c.beta > 0 && this.reference ? tf.tidy(() => this.reference!.responseLogProbs(prompts, toks, c.temperature).logProbs) : undefined,
        lossWeight: c.lossAgg === 'token' ? chunkTokens / totalTokens : n / N,
        tokenWeight: chunkTokens / totalTokens,
      };
    });

    let loss = 0;
    let kl: number | null = null;
    let clipSum = 0;
    let ratioMean = 1;
    let gradNorm = 0;
    try {
      for (let k = 0; k < c.mu; k++) {
        const summed = new Map<string, tf.Tensor>();
        let lossK = 0;
        let klK = 0;
        let clipK = 0;
        let ratioK = 0;
        for (const ch of chunks) {
          let diag: tf.Scalar[] = [];
          const { value, grads } = tf.variableGrads(() => {
            const { logProbs } = this.policy.responseLogProbs(ch.prompts, ch.tokens, c.temperature);
            const out = grpoPolicyLoss(
              { logProbs, oldLogProbs: ch.oldLp, refLogProbs: ch.refLp, advantages: ch.adv, mask: ch.mask },
              { clipLow: c.clipLow, clipHigh: c.clipHigh, beta: c.beta, agg: c.lossAgg, klClamp: this.opts.klClamp },
            );
            diag = [tf.keep(out.kl), tf.keep(out.clipFraction), tf.keep(out.ratioMean)];
            return (chunks.length === 1 ? out.loss : tf.mul(out.loss, ch.lossWeight)) as tf.Scalar;
          }, [...this.trainable.values()]);
          const [klV, cfV, rmV] = diag.map((t) => t.dataSync()[0]);
          tf.dispose(diag);
          lossK += value.dataSync()[0];
          klK += klV * ch.tokenWeight;
          clipK += cfV * ch.tokenWeight;
          ratioK += rmV * ch.tokenWeight;
          value.dispose();
          for (const [vname, g] of Object.entries(grads)) {
            const name = this.paramOf.get(vname) ?? vname;
            const prev = summed.get(name);
            if (prev) {
              summed.set(name, tf.add(prev, g));
              tf.dispose([prev, g]);
            } else summed.set(name, g);
          }
        }
        if (k === 0) {
          loss = lossK;
          kl = c.beta > 0 ? klK : null;
        }
        clipSum += clipK;
        ratioMean = ratioK;
        const clipped = clipGlobalNorm(summed, this.opts.clipNorm);
        if (k === 0) gradNorm = clipped.norm;
        if (!Number.isFinite(clipped.norm)) {
          tf.dispose([...clipped.grads.values()]);
          throw new Error(`grpo step ${this.step + 1}: gradient norm is ${clipped.norm}; stopping before the weights are damaged (last checkpoint is intact)`);
        }
        this.optimizer.apply(clipped.grads, c.lr);
        tf.dispose([...clipped.grads.values()]);
      }
    } finally {
      for (const ch of chunks) tf.dispose([ch.oldLp, ch.mask, ch.adv, ...(ch.refLp ? [ch.refLp] : [])]);
    }
    const t3 = performance.now();

    this.step++;
    const lengths = tokens.map((t) => t.length);
    const nTok = lengths.reduce((a, b) => a + b, 0);
    const sumNegLp = responses.reduce((a, r) => a + r.logProbs.reduce((x, y) => x - y, 0), 0);
    if (this.opts.keepLastBatch) this.lastBatch = { prompts, responses, rewards, advantages: adv.advantages };
    return {
      step: this.step,
      reward: {
        total: stat(rewards.map((r) => r.total)),
        answer: stat(rewards.map((r) => r.answer)),
        format: stat(rewards.map((r) => r.format)),
        coordinate: stat(rewards.map((r) => r.coordinate)),
      },
      kl,
      clipFraction: clipSum / c.mu,
      ratioMean,
      entropy: nTok ? sumNegLp / nTok : 0,
      loss,
      gradNorm,
      responseLength: { mean: nTok / N, max: Math.max(...lengths) },
      stoppedFraction: responses.filter((r) => r.stopped).length / N,
      fracRewardZeroStd: adv.fracZeroStd,
      advantageHistogram: histogram(adv.advantages, ADVANTAGE_EDGES),
      rewardWarnings: warnings,
      boxesPerResponse: rewards.reduce((a, r) => a + r.boxes, 0) / N,
      seconds: { generate: (t1 - t0) / 1000, reward: (t2 - t1) / 1000, update: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
    };
  }

  /** Data cursor and random streams, for checkpoints. */
  getState(): GrpoState {
    return { step: this.step, optimizerStep: this.optimizer.step, dataRng: this.dataRng.getState(), sampleRng: this.sampleRng.getState(), order: [...this.order], cursor: this.cursor };
  }

  /** Restore the data cursor and random streams (the AdamW moments are restored by the caller). */
  setState(s: GrpoState): void {
    this.step = s.step;
    this.dataRng.setState(s.dataRng);
    this.sampleRng.setState(s.sampleRng);
    this.order = [...s.order];
    this.cursor = s.cursor;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
