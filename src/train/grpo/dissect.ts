/**
 * One GRPO step taken apart, for teaching (notebook 05): for a single prompt, the trainer's three
 * phases — rollout (G sampled responses), scoring (rewards by component, the group statistics and
 * advantages) and one update (the trainer's own policyUpdate with a fresh AdamW, the same trainable
 * weights under grpo.freezeVision) — plus the diagnostics around them: the per-token old and
 * reference log-probs and k3 KL, and what the update did to every token's ratio π_θ/π_old, with the
 * tokens the clip stopped. By default the policy's weights are restored afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../../config.js';
import type { computeReward, RewardComponents } from '../../rewards/compose.js';
import type { Rng } from '../../util/rng.js';
import { AdamW } from '../optim.js';
import type { GrpoPrompt, VlmPolicy } from './policy.js';
import { rollout } from './rollout.js';
import { scoreRollout } from './scoring.js';
import { policyUpdate, trainableParams } from './update.js';

export interface DissectedResponse {
  text: string;
  /** Each generated token as text. */
  pieces: string[];
  reward: RewardComponents;
  warning?: string;
  advantage: number;
  /** log π_old per token (from sampling). */
  oldLogProbs: number[];
  /** log π_ref per token (null when β = 0). */
  refLogProbs: number[] | null;
  /** k3 KL per token (null when β = 0). */
  kl: number[] | null;
  /** After the update: log π_θ, ratio and whether the clip was active, per token. */
  newLogProbs: number[];
  ratio: number[];
  clipped: boolean[];
}

export interface DissectedStep {
  prompt: GrpoPrompt;
  promptText: string;
  groupMean: number;
  groupStd: number;
  zeroStd: boolean;
  responses: DissectedResponse[];
  /** The loss the update minimized (before it), its surrogate part, mean KL. */
  loss: number;
  surrogate: number;
  kl: number | null;
  /** Fraction of tokens whose ratio left the clip range in the direction the clip stops. */
  clipFraction: number;
  lr: number;
}

export interface DissectOptions {
  rng: Rng;
  /** Learning rate of the one update (default config.grpo.lr; a larger one makes ratios visible). */
  lr?: number;
  /** Put the weights back afterwards (default true). */
  restore?: boolean;
  /** The reward function (default: the paper's, computeReward under config.reward), as the trainer takes it. */
  reward?: typeof computeReward;
}

/** Per-token log-probs of the rollout's responses under a policy (diagnostics; no gradient). */
function tokenLogProbRows(policy: VlmPolicy, prompt: GrpoPrompt, tokens: number[][], temperature: number): number[][] {
  const t = tf.tidy(() => policy.responseLogProbs(tokens.map(() => prompt), tokens, temperature).logProbs);
  const rows = t.arraySync() as number[][];
  t.dispose();
  return rows.map((r, i) => r.slice(0, tokens[i].length));
}

/** Take one GRPO step on one prompt and return every intermediate quantity. */
export function dissectGrpoStep(policy: VlmPolicy, reference: VlmPolicy | null, prompt: GrpoPrompt, config: Config, o: DissectOptions): DissectedStep {
  const c = config.grpo;
  const lr = o.lr ?? c.lr;
  const tok = policy.tokenizer;
  const batch = scoreRollout(rollout(policy, [prompt], c.groupSize, { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topP: c.topP, rng: o.rng }), {
    spec: config.reward,
    reward: o.reward,
    stdEps: c.stdEps,
    scaleRewards: c.scaleRewards,
  });
  const tokens = batch.responses.map((r) => r.tokens);
  const refRows = c.beta > 0 && reference ? tokenLogProbRows(reference, prompt, tokens, c.temperature) : null;
  const backup = o.restore === false ? null : new Map([...policy.params].map(([n, v]) => [n, tf.clone(v)]));
  const trainable = trainableParams(policy, c.freezeVision);
  const optimizer = new AdamW(trainable, policy.decayed ?? new Set(), { weightDecay: 0.01 });
  try {
    const upd = policyUpdate(policy, reference, batch, trainable, optimizer, {
      clipLow: c.clipLow,
      clipHigh: c.clipHigh,
      beta: c.beta,
      lossAgg: c.lossAgg,
      temperature: c.temperature,
      updateBatch: c.updateBatch,
      mu: 1,
      miniBatches: 1,
      lr,
      clipNorm: 1,
    });
    const newRows = tokenLogProbRows(policy, prompt, tokens, c.temperature);
    let clippedCount = 0;
    let n = 0;
    const responses: DissectedResponse[] = batch.responses.map((s, i) => {
      const a = batch.advantages[i];
      const ratio = newRows[i].map((lp, t) => Math.exp(lp - s.logProbs[t]));
      const clipped = ratio.map((r) => (a > 0 && r > 1 + c.clipHigh) || (a < 0 && r < 1 - c.clipLow));
      clippedCount += clipped.filter(Boolean).length;
      n += s.tokens.length;
      const ref = refRows ? refRows[i] : null;
      const warning = batch.warnings.find((w) => w.startsWith(`response ${i} `));
      return {
        text: s.text,
        pieces: s.tokens.map((id) => tok.decode([id]) || (id === tok.eosId ? '<eos>' : '')),
        reward: batch.rewards[i],
        ...(warning ? { warning } : {}),
        advantage: a,
        oldLogProbs: s.logProbs,
        refLogProbs: ref,
        kl: ref ? ref.map((r, t) => Math.exp(r - s.logProbs[t]) - (r - s.logProbs[t]) - 1) : null,
        newLogProbs: newRows[i],
        ratio,
        clipped,
      };
    });
    return {
      prompt,
      promptText: tok.decode(prompt.prompt),
      groupMean: batch.groups.groupMean[0],
      groupStd: batch.groups.groupStd[0],
      zeroStd: batch.groups.zeroStd[0],
      responses,
      loss: upd.loss,
      surrogate: upd.surrogate,
      kl: upd.kl,
      clipFraction: n ? clippedCount / n : 0,
      lr,
    };
  } finally {
    optimizer.dispose();
    if (backup) {
      for (const [name, v] of backup) policy.params.get(name)!.assign(v);
      tf.dispose([...backup.values()]);
    }
  }
}
