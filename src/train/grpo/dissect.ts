/**
 * One GRPO step taken apart, for teaching (notebook 05): for a single prompt, the G sampled
 * responses, their rewards by component, the group statistics and advantages, the per-token old and
 * reference log-probs and k3 KL, then one policy update and what it did to every token's ratio
 * π_θ/π_old — which tokens the clip stopped. Uses the same functions as the trainer.
 * By default the policy's weights are restored afterwards, so dissecting changes nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../../config.js';
import { safeReward, type computeReward, type RewardComponents } from '../../rewards/compose.js';
import type { Rng } from '../../util/rng.js';
import { groupAdvantages, grpoPolicyLoss } from './math.js';
import type { GrpoPrompt, VlmPolicy } from './policy.js';

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

/** Take one GRPO step on one prompt and return every intermediate quantity. */
export function dissectGrpoStep(policy: VlmPolicy, reference: VlmPolicy | null, prompt: GrpoPrompt, config: Config, o: DissectOptions): DissectedStep {
  const c = config.grpo;
  const G = c.groupSize;
  const lr = o.lr ?? c.lr;
  const tok = policy.tokenizer;
  const sampled = policy.sample([prompt], G, { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topP: c.topP, rng: o.rng });
  const scored = sampled.map((s) => safeReward(s.text, prompt.answer, config.reward, prompt.kind, o.reward));
  const adv = groupAdvantages(scored.map((s) => s.components.total), G, { stdEps: c.stdEps, scaleByStd: c.scaleRewards });
  const tokens = sampled.map((s) => s.tokens);
  const rows = sampled.map(() => prompt);
  const R = Math.max(1, ...tokens.map((t) => t.length));
  const pad = (xs: number[]) => [...xs, ...Array(R - xs.length).fill(0)];
  const backup = o.restore === false ? null : new Map([...policy.params].map(([n, v]) => [n, tf.clone(v)]));
  const oldLp = tf.tensor2d(sampled.map((s) => pad(s.logProbs)), [G, R]);
  const mask = tf.tensor2d(tokens.map((t) => pad(t.map(() => 1))), [G, R]);
  const advT = tf.tensor1d(adv.advantages);
  const refLp = c.beta > 0 && reference ? tf.tidy(() => reference.responseLogProbs(rows, tokens, c.temperature).logProbs) : undefined;
  const lossOpts = { clipLow: c.clipLow, clipHigh: c.clipHigh, beta: c.beta, agg: c.lossAgg } as const;
  try {
    let diag: number[] = [];
    const names = new Map([...policy.params].map(([n, v]) => [v.name, n]));
    const { value, grads } = tf.variableGrads(() => {
      const { logProbs } = policy.responseLogProbs(rows, tokens, c.temperature);
      const out = grpoPolicyLoss({ logProbs, oldLogProbs: oldLp, refLogProbs: refLp, advantages: advT, mask }, lossOpts);
      diag = [out.surrogate.dataSync()[0], out.kl.dataSync()[0]];
      return out.loss;
    }, [...policy.params.values()]);
    const loss = value.dataSync()[0];
    value.dispose();
    // The update: Adam's first step from fresh moments is exactly θ ← θ − lr·g/(|g| + ε)
    // (bias-corrected m̂ = g, v̂ = g²): the trainer's first AdamW update, apart from weight decay.
    for (const [vname, g] of Object.entries(grads)) {
      const p = policy.params.get(names.get(vname) ?? vname)!;
      tf.tidy(() => p.assign(tf.sub(p, tf.mul(lr, tf.div(g, tf.add(tf.abs(g), 1e-8))))));
    }
    tf.dispose(Object.values(grads));
    const after = tf.tidy(() => policy.responseLogProbs(rows, tokens, c.temperature).logProbs);
    const newLp = after.arraySync() as number[][];
    after.dispose();
    const refRows = refLp ? (refLp.arraySync() as number[][]) : null;
    let clippedCount = 0;
    let n = 0;
    const responses: DissectedResponse[] = sampled.map((s, i) => {
      const L = s.tokens.length;
      const a = adv.advantages[i];
      const newRow = newLp[i].slice(0, L);
      const ratio = newRow.map((lp, t) => Math.exp(lp - s.logProbs[t]));
      const clipped = ratio.map((r) => (a > 0 && r > 1 + c.clipHigh) || (a < 0 && r < 1 - c.clipLow));
      clippedCount += clipped.filter(Boolean).length;
      n += L;
      const ref = refRows ? refRows[i].slice(0, L) : null;
      return {
        text: s.text,
        pieces: s.tokens.map((id) => tok.decode([id]) || (id === tok.eosId ? '<eos>' : '')),
        reward: scored[i].components,
        ...(scored[i].warning ? { warning: scored[i].warning } : {}),
        advantage: a,
        oldLogProbs: s.logProbs,
        refLogProbs: ref,
        kl: ref ? ref.map((r, t) => Math.exp(r - s.logProbs[t]) - (r - s.logProbs[t]) - 1) : null,
        newLogProbs: newRow,
        ratio,
        clipped,
      };
    });
    return {
      prompt,
      promptText: tok.decode(prompt.prompt),
      groupMean: adv.groupMean[0],
      groupStd: adv.groupStd[0],
      zeroStd: adv.zeroStdGroups > 0,
      responses,
      loss,
      surrogate: diag[0],
      kl: c.beta > 0 ? diag[1] : null,
      clipFraction: n ? clippedCount / n : 0,
      lr,
    };
  } finally {
    tf.dispose([oldLp, mask, advT]);
    refLp?.dispose();
    if (backup) {
      for (const [name, v] of backup) policy.params.get(name)!.assign(v);
      tf.dispose([...backup.values()]);
    }
  }
}
