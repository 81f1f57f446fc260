/**
 * Prompts at the edge of the starting model's competence (not in the paper; after the finding that
 * RL gains need headroom on the RL prompts): G rollouts of the starting model per candidate prompt,
 * scored with the reward; a prompt is kept when its mean answer score (r_ans / answerScale, in
 * [0, 1]) lies in [low, high] and its rewards are not all equal — it is neither always solved nor
 * never, so its groups carry a gradient.
 */
import type { computeReward, RewardSpec } from '../../rewards/compose.js';
import type { Rng } from '../../util/rng.js';
import type { GrpoPolicy, GrpoPrompt } from './policy.js';
import { rollout } from './rollout.js';
import { scoreRollout } from './scoring.js';

export interface EdgeOptions {
  samples: number;
  low: number;
  high: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  /** Prompts rolled out together. */
  batch: number;
  spec: RewardSpec;
  reward?: typeof computeReward;
  rng: Rng;
  /** Called with the number of prompts each batch scored. */
  onBatch?: (n: number) => void;
}

export interface EdgeScore {
  id: string;
  task?: string;
  /** Mean answer score of the samples, in [0, 1]. */
  passRate: number;
  spread: boolean;
  kept: boolean;
}

/** Score every candidate and keep those at the edge; the kept prompts keep their order. */
export function edgeOfCompetence(policy: GrpoPolicy, candidates: readonly GrpoPrompt[], o: EdgeOptions): { kept: GrpoPrompt[]; scores: EdgeScore[] } {
  const scale = o.spec.answerScale > 0 ? o.spec.answerScale : 1;
  const scores: EdgeScore[] = [];
  for (let a = 0; a < candidates.length; a += o.batch) {
    const part = candidates.slice(a, a + o.batch);
    const scored = scoreRollout(rollout(policy, part, o.samples, { maxNewTokens: o.maxNewTokens, temperature: o.temperature, topP: o.topP, rng: o.rng }), { spec: o.spec, reward: o.reward, stdEps: 1e-6, scaleRewards: true });
    part.forEach((p, g) => {
      const rows = scored.rewards.slice(g * o.samples, (g + 1) * o.samples);
      const passRate = rows.reduce((s, r) => s + r.answer / scale, 0) / o.samples;
      const spread = !scored.groups.zeroStd[g];
      scores.push({ id: p.id, task: p.task, passRate, spread, kept: spread && passRate >= o.low && passRate <= o.high });
    });
    o.onBatch?.(part.length);
  }
  const keep = new Set(scores.filter((s) => s.kept).map((s) => s.id));
  return { kept: candidates.filter((p) => keep.has(p.id)), scores };
}
