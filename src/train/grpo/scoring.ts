/**
 * GRPO's scoring phase: the reward of every response (the paper's r = (1 − λ)·r_ans + λ·r_form +
 * r_coo by default; a reward that throws or is not finite gives 0 and a warning) and the
 * group-relative advantages Â (src/train/grpo/math.ts).
 */
import { computeReward, safeReward, type RewardComponents, type RewardSpec } from '../../rewards/compose.js';
import { groupAdvantages, type GroupAdvantages } from './math.js';
import type { Rollout } from './rollout.js';

export interface ScoringOptions {
  spec: RewardSpec;
  /** The reward function (default: the paper's, computeReward under `spec`). */
  reward?: typeof computeReward;
  stdEps: number;
  /** Divide by the group's reward std (GRPO) or not (Dr. GRPO). */
  scaleRewards: boolean;
}

export interface ScoredRollout extends Rollout {
  rewards: RewardComponents[];
  /** One per response, shared by its tokens. */
  advantages: number[];
  groups: GroupAdvantages;
  /** One message per response whose reward failed (scored 0). */
  warnings: string[];
  scoringSeconds: number;
}

/** Score every response of a rollout and normalize the rewards within each group. */
export function scoreRollout(r: Rollout, o: ScoringOptions): ScoredRollout {
  const t0 = performance.now();
  const warnings: string[] = [];
  const rewards = r.responses.map((s, i) => {
    const p = r.prompts[s.promptIndex];
    const scored = safeReward(s.text, p.answer, o.spec, p.kind, o.reward);
    if (scored.warning) warnings.push(`response ${i} to prompt '${p.id}': ${scored.warning}`);
    return scored.components;
  });
  const groups = groupAdvantages(rewards.map((x) => x.total), r.groupSize, { stdEps: o.stdEps, scaleByStd: o.scaleRewards });
  return { ...r, rewards, advantages: groups.advantages, groups, warnings, scoringSeconds: (performance.now() - t0) / 1000 };
}

/** The part of a scored rollout made of the groups `keep` (group indices), in that order. */
export function selectGroups(s: ScoredRollout, keep: readonly number[]): ScoredRollout {
  const G = s.groupSize;
  const rows = keep.flatMap((g) => Array.from({ length: G }, (_, i) => g * G + i));
  const at = <T>(xs: readonly T[]) => rows.map((k) => xs[k]);
  const zero = keep.filter((g) => s.groups.zeroStd[g]).length;
  return {
    ...s,
    prompts: keep.map((g) => s.prompts[g]),
    responses: rows.map((k, j) => ({ ...s.responses[k], promptIndex: Math.floor(j / G) })),
    rewards: at(s.rewards),
    advantages: at(s.advantages),
    groups: {
      advantages: at(s.advantages),
      groupMean: keep.map((g) => s.groups.groupMean[g]),
      groupStd: keep.map((g) => s.groups.groupStd[g]),
      zeroStd: keep.map((g) => s.groups.zeroStd[g]),
      zeroStdGroups: zero,
      fracZeroStd: keep.length ? zero / keep.length : 0,
    },
  };
}

/** The groups of a scored rollout whose rewards are not all equal (those a policy update can learn from). */
export function groupsWithSpread(s: ScoredRollout): ScoredRollout {
  return selectGroups(s, s.groups.zeroStd.flatMap((zero, g) => (zero ? [] : [g])));
}

/** Scored rollouts one after the other (each group keeps its advantages), at most `maxGroups` groups. */
export function concatScored(parts: readonly ScoredRollout[], maxGroups = Infinity): ScoredRollout {
  if (!parts.length) throw new Error('concatScored: nothing to join');
  const G = parts[0].groupSize;
  const out: ScoredRollout = { ...parts[0], prompts: [], responses: [], rewards: [], advantages: [], warnings: [], seconds: 0, scoringSeconds: 0, groups: { advantages: [], groupMean: [], groupStd: [], zeroStd: [], zeroStdGroups: 0, fracZeroStd: 0 } };
  for (const p of parts) {
    out.seconds += p.seconds;
    out.scoringSeconds += p.scoringSeconds;
    out.warnings.push(...p.warnings);
    for (let g = 0; g < p.prompts.length && out.prompts.length < maxGroups; g++) {
      const base = out.prompts.length;
      out.prompts.push(p.prompts[g]);
      for (let i = 0; i < G; i++) {
        const k = g * G + i;
        out.responses.push({ ...p.responses[k], promptIndex: base });
        out.rewards.push(p.rewards[k]);
        out.advantages.push(p.advantages[k]);
      }
      out.groups.groupMean.push(p.groups.groupMean[g]);
      out.groups.groupStd.push(p.groups.groupStd[g]);
      out.groups.zeroStd.push(p.groups.zeroStd[g]);
    }
  }
  out.groups.advantages = out.advantages;
  out.groups.zeroStdGroups = out.groups.zeroStd.filter(Boolean).length;
  out.groups.fracZeroStd = out.prompts.length ? out.groups.zeroStdGroups / out.prompts.length : 0;
  return out;
}
