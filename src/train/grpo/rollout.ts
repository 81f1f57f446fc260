/**
 * GRPO's rollout phase: G responses per prompt from the current policy π_θ (which is π_old for this
 * batch), with the log-probability of every sampled token.
 */
import type { GrpoPolicy, GrpoPrompt, SampledResponse, SampleOptions } from './policy.js';

export interface Rollout {
  prompts: GrpoPrompt[];
  /** G per prompt, prompt-major (`promptIndex` points into `prompts`). */
  responses: SampledResponse[];
  groupSize: number;
  seconds: number;
}

/** Sample G responses for each prompt. */
export function rollout(policy: GrpoPolicy, prompts: readonly GrpoPrompt[], groupSize: number, opts: SampleOptions): Rollout {
  const t0 = performance.now();
  const responses = policy.sample(prompts, groupSize, opts);
  if (responses.length !== prompts.length * groupSize) throw new Error(`grpo: policy returned ${responses.length} responses for ${prompts.length} prompts × G = ${groupSize}`);
  return { prompts: [...prompts], responses, groupSize, seconds: (performance.now() - t0) / 1000 };
}

/** The rollouts' groups one after the other (each keeps its G responses together). */
export function concatRollouts(parts: readonly Rollout[]): Rollout {
  if (!parts.length) throw new Error('concatRollouts: nothing to join');
  const prompts: GrpoPrompt[] = [];
  const responses: SampledResponse[] = [];
  for (const r of parts) {
    for (const s of r.responses) responses.push({ ...s, promptIndex: s.promptIndex + prompts.length });
    prompts.push(...r.prompts);
  }
  return { prompts, responses, groupSize: parts[0].groupSize, seconds: parts.reduce((a, r) => a + r.seconds, 0) };
}
