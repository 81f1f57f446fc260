/**
 * Stage 3: the GRPO trainer (online RL with Group Relative Policy Optimization).
 *
 * One step, for a batch of prompts, in three phases (as EasyR1 separates its algorithms from its loop):
 *   1. rollout (rollout.ts): G responses per prompt from the current policy π_θ (= π_old for this
 *      batch), with the log-probability of every sampled token;
 *   2. scoring (scoring.ts): the paper's reward r = (1 − λ)·r_ans + λ·r_form + r_coo per response
 *      and the group-normalized advantages Â;
 *   3. update (update.ts): mu passes of `miniBatches` optimizer steps on the clipped surrogate − β·KL
 *      (per-token log-probs under the frozen reference π_ref when β > 0), each recomputing log π_θ
 *      against the rollout's log π_old (so every step after the first is off-policy and the clip acts).
 * Everything is logged per step (reward mean/std per component, KL, clip fraction, entropy,
 * lengths, fraction of zero-std groups, advantage histogram, time split) to `steps.jsonl`, and the
 * trainer checkpoints and resumes exactly (weights, optimizer moments, random streams, data cursor).
 */
import type { Config } from '../../config.js';
import { computeReward, type RewardComponents, type RewardSpec } from '../../rewards/compose.js';
import { Rng } from '../../util/rng.js';
import { histogram } from './math.js';
import { AdamW } from '../optim.js';
import type { GrpoPolicy, GrpoPrompt, SampledResponse } from './policy.js';
import { rollout } from './rollout.js';
import { concatScored, groupsWithSpread, scoreRollout, type ScoredRollout } from './scoring.js';
import { policyUpdate, trainableParams, type UpdateStats } from './update.js';

export type GrpoConfig = Config['grpo'];

/** The RL seed (grpo.seed; 0: the master seed). */
export function rlSeed(config: Pick<Config, 'seed' | 'grpo'>): number {
  return config.grpo.seed || config.seed;
}

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
  /** Rollouts this step and the groups sampled and trained on (they differ under dynamic sampling). */
  sampling?: { rounds: number; groupsSampled: number; groupsTrained: number };
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
  /** Seed of the data order and sampling streams (default 7; runGrpo passes the config's master seed). */
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
  if (!Number.isInteger(c.miniBatches) || c.miniBatches < 1 || c.miniBatches > c.batchPrompts) bad(`miniBatches must be an integer in [1, batchPrompts = ${c.batchPrompts}] (got ${c.miniBatches})`);
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
  /** The weights the updates change: all, or the decoder's alone under grpo.freezeVision. */
  private readonly trainable: ReturnType<typeof trainableParams>;

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
    this.trainable = trainableParams(policy, config.freezeVision);
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

  /** Phase 1: G responses for each of the next batchPrompts prompts. */
  rollout(): ReturnType<typeof rollout> {
    const c = this.config;
    return rollout(this.policy, this.nextBatch(), c.groupSize, { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topP: c.topP, rng: this.sampleRng });
  }

  /** Phase 2: rewards and group-relative advantages (reward failures are warned about and scored 0). */
  score(r: ReturnType<typeof rollout>): ScoredRollout {
    const c = this.config;
    const scored = scoreRollout(r, { spec: this.rewardSpec, reward: this.opts.reward, stdEps: c.stdEps, scaleRewards: c.scaleRewards });
    for (const w of scored.warnings) this.opts.warn(`grpo step ${this.step + 1}: ${w}`);
    return scored;
  }

  /** Phase 3: the policy updates on a scored batch. */
  update(batch: ScoredRollout): UpdateStats {
    const c = this.config;
    try {
      return policyUpdate(this.policy, this.reference, batch, this.trainable, this.optimizer, {
        clipLow: c.clipLow,
        clipHigh: c.clipHigh,
        beta: c.beta,
        lossAgg: c.lossAgg,
        klClamp: this.opts.klClamp,
        temperature: c.temperature,
        updateBatch: c.updateBatch,
        mu: c.mu,
        miniBatches: c.miniBatches,
        lr: c.lr,
        clipNorm: this.opts.clipNorm,
      });
    } catch (e) {
      throw new Error(`grpo step ${this.step + 1}: ${(e as Error).message}`);
    }
  }

  /**
   * Phases 1 and 2 with dynamic sampling (grpo.dynamicSampling): rollouts until batchPrompts groups
   * have reward spread or maxSampleRounds rollouts are done. Returns everything sampled (for the
   * log) and the groups to train on.
   */
  sampleBatch(): { sampled: ScoredRollout; trained: ScoredRollout; rounds: number } {
    const c = this.config;
    const first = this.score(this.rollout());
    if (!c.dynamicSampling) return { sampled: first, trained: first, rounds: 1 };
    const sampled = [first];
    const kept = [groupsWithSpread(first)];
    const count = () => kept.reduce((a, k) => a + k.prompts.length, 0);
    while (count() < c.batchPrompts && sampled.length < c.maxSampleRounds) {
      const more = this.score(this.rollout());
      sampled.push(more);
      kept.push(groupsWithSpread(more));
    }
    return { sampled: concatScored(sampled), trained: concatScored(kept, c.batchPrompts), rounds: sampled.length };
  }

  /** Run one GRPO step (rollout, scoring, update) and return its log. */
  trainStep(): GrpoStepLog {
    const t0 = performance.now();
    const { sampled, trained, rounds } = this.sampleBatch();
    const upd = trained.prompts.length ? this.update(trained) : NO_UPDATE;
    this.step++;
    if (this.opts.keepLastBatch) this.lastBatch = { prompts: trained.prompts, responses: trained.responses, rewards: trained.rewards, advantages: trained.advantages };
    return { ...stepLog(this.step, sampled, upd, (performance.now() - t0) / 1000), sampling: { rounds, groupsSampled: sampled.prompts.length, groupsTrained: trained.prompts.length } };
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

/** What a step without a group to learn from reports as its update. */
const NO_UPDATE: UpdateStats = { loss: 0, surrogate: 0, kl: null, clipFraction: 0, ratioMean: 1, gradNorm: 0, optimizerSteps: 0, seconds: 0 };

/** The step log of a scored batch (everything sampled) and its update. */
export function stepLog(step: number, batch: ScoredRollout, upd: UpdateStats, totalSeconds: number): GrpoStepLog {
  const { responses, rewards } = batch;
  const N = responses.length;
  const lengths = responses.map((r) => r.tokens.length);
  const nTok = lengths.reduce((a, b) => a + b, 0);
  const sumNegLp = responses.reduce((a, r) => a + r.logProbs.reduce((x, y) => x - y, 0), 0);
  return {
    step,
    reward: {
      total: stat(rewards.map((r) => r.total)),
      answer: stat(rewards.map((r) => r.answer)),
      format: stat(rewards.map((r) => r.format)),
      coordinate: stat(rewards.map((r) => r.coordinate)),
    },
    kl: upd.kl,
    clipFraction: upd.clipFraction,
    ratioMean: upd.ratioMean,
    entropy: nTok ? sumNegLp / nTok : 0,
    loss: upd.loss,
    gradNorm: upd.gradNorm,
    responseLength: { mean: nTok / N, max: Math.max(...lengths) },
    stoppedFraction: responses.filter((r) => r.stopped).length / N,
    fracRewardZeroStd: batch.groups.fracZeroStd,
    advantageHistogram: histogram(batch.advantages, ADVANTAGE_EDGES),
    rewardWarnings: batch.warnings.length,
    boxesPerResponse: rewards.reduce((a, r) => a + r.boxes, 0) / N,
    seconds: { generate: batch.seconds, reward: batch.scoringSeconds, update: upd.seconds, total: totalSeconds },
  };
}
