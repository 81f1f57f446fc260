/**
 * A fixed validation probe for GRPO: the reward of the policy's greedy answers to the same held-out
 * prompts, every few steps. The per-step training reward mostly tells which prompts a batch drew
 * (easy ones score high whatever the policy learned); this curve holds the prompts fixed, so a rise
 * is the policy improving on prompts it never trains on — and greedy is how the benchmark decodes.
 * (EasyR1 logs the same kind of curve with its val_freq.) Uses its own random stream, so a run with
 * the probe samples and trains exactly as one without it.
 */
import { safeReward, type RewardSpec } from '../../rewards/compose.js';
import { Rng } from '../../util/rng.js';
import type { GrpoPolicy, GrpoPrompt } from './policy.js';

export const GRPO_VALIDATION_LOG = 'validation.jsonl';

export interface GrpoValidationLog {
  step: number;
  n: number;
  /** Mean reward components of the greedy answers. */
  reward: { total: number; answer: number; format: number; coordinate: number };
  /** Mean total reward per task (e.g. vqa, report-findings). */
  byTask: Record<string, number>;
  seconds: number;
}

/** Greedy answers to `prompts`, scored with the run's reward. */
export function validateGrpo(policy: GrpoPolicy, prompts: readonly GrpoPrompt[], spec: RewardSpec, o: { step: number; maxNewTokens: number; batch?: number }): GrpoValidationLog {
  const t0 = performance.now();
  const sums = { total: 0, answer: 0, format: 0, coordinate: 0 };
  const tasks = new Map<string, { sum: number; n: number }>();
  const batch = o.batch ?? 32;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`grpo validation: batch must be a whole number ≥ 1, got ${batch}`);
  for (let i = 0; i < prompts.length; i += batch) {
    const chunk = prompts.slice(i, i + batch);
    const answers = policy.sample(chunk, 1, { maxNewTokens: o.maxNewTokens, temperature: 0, topP: 1, rng: new Rng(0) });
    for (const a of answers) {
      const p = chunk[a.promptIndex];
      const c = safeReward(a.text, p.answer, spec, p.kind).components;
      sums.total += c.total;
      sums.answer += c.answer;
      sums.format += c.format;
      sums.coordinate += c.coordinate;
      const t = tasks.get(p.task ?? 'all') ?? { sum: 0, n: 0 };
      t.sum += c.total;
      t.n++;
      tasks.set(p.task ?? 'all', t);
    }
  }
  const n = Math.max(1, prompts.length);
  return {
    step: o.step,
    n: prompts.length,
    reward: { total: sums.total / n, answer: sums.answer / n, format: sums.format / n, coordinate: sums.coordinate / n },
    byTask: Object.fromEntries([...tasks].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => [k, v.sum / v.n])),
    seconds: (performance.now() - t0) / 1000,
  };
}
