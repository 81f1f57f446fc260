/**
 * The paper's reward, composed: r = (1 − λ)·r_ans + λ·r_form + r_coo (λ = 0.1).
 *
 * As in the public code, the response is first normalized by removing whitespace around `<`, `>`
 * and `/` (so `< think >` counts as `<think>`); r_form, the extracted answer and the think-block
 * boxes are all read from the normalized text. With `format: false` (the "no r_form" ablation) the
 * format term is dropped and r_ans keeps its full weight: r = r_ans + r_coo.
 *
 * `safeReward` is what a trainer calls: a component that throws or gives a non-finite number gets
 * the response a zero reward and a warning instead of ending the run.
 */
import type { Config } from '../config.js';
import { extractAnswer } from '../text/parse.js';
import { answerReward, type FreeTextScore } from './answer.js';
import { coordinateReward } from './coordinate.js';
import { formatReward, normalizeResponse } from './format.js';
import { type AnswerKind } from '../data/types.js';

export type RewardSpec = Config['reward'];

export const DEFAULT_REWARD_SPEC: RewardSpec = {
  lambda: 0.1,
  coordinate: 'cap',
  format: true,
  text: 'paper-code',
  bound: 512,
  answerScale: 1.5,
  boxReward: 0.05,
  boxPenalty: 0.2,
  boxLimit: 0.15,
  clinical: 0,
};

export interface RewardComponents {
  /** r: the scalar the policy is trained on. */
  total: number;
  /** r_ans (already × answerScale). */
  answer: number;
  /** r_form ∈ {0, 1} (reported even when the format term is switched off). */
  format: number;
  /** r_coo. */
  coordinate: number;
  kind: AnswerKind;
  /** The extracted answer (`None` when there is no closed `\boxed{…}`). */
  extracted: string;
  /** Boxes found in the think block, and how many were out of bound. */
  boxes: number;
  outOfBound: number;
  freeText?: FreeTextScore;
}

/** Compute every component of the reward for one response against its ground-truth answer. */
export function computeReward(response: string, groundTruth: string, spec: RewardSpec = DEFAULT_REWARD_SPEC, kind?: AnswerKind): RewardComponents {
  if (typeof response !== 'string') throw new TypeError(`response must be a string, got ${typeof response}`);
  if (typeof groundTruth !== 'string') throw new TypeError(`ground truth must be a string, got ${typeof groundTruth}`);
  const text = normalizeResponse(response);
  const format = formatReward(text);
  const extracted = extractAnswer(text);
  const ans = answerReward(extracted, groundTruth, { kind, text: spec.text, scale: spec.answerScale, clinical: spec.clinical });
  const coo = coordinateReward(text, {
    variant: spec.coordinate,
    bound: spec.bound,
    perBox: spec.boxReward,
    penalty: spec.boxPenalty,
    limit: spec.boxLimit,
  });
  const lambda = spec.format ? spec.lambda : 0;
  const total = (1 - lambda) * ans.reward + lambda * format + coo.reward;
  return {
    total,
    answer: ans.reward,
    format,
    coordinate: coo.reward,
    kind: ans.kind,
    extracted,
    boxes: coo.boxes,
    outOfBound: coo.outOfBound,
    ...(ans.freeText ? { freeText: ans.freeText } : {}),
  };
}

export interface SafeReward {
  components: RewardComponents;
  /** Set when the reward failed and was replaced by zero. */
  warning?: string;
}

function zeroComponents(kind: AnswerKind): RewardComponents {
  return { total: 0, answer: 0, format: 0, coordinate: 0, kind, extracted: '', boxes: 0, outOfBound: 0 };
}

/**
 * `computeReward`, but a thrown error or a non-finite component yields zero reward and a warning
 * naming the cause (the caller logs it), so one bad response cannot end a run.
 */
export function safeReward(
  response: string,
  groundTruth: string,
  spec: RewardSpec = DEFAULT_REWARD_SPEC,
  kind?: AnswerKind,
  compute: typeof computeReward = computeReward,
): SafeReward {
  try {
    const c = compute(response, groundTruth, spec, kind);
    const bad = (['total', 'answer', 'format', 'coordinate'] as const).filter((k) => !Number.isFinite(c[k]));
    if (bad.length) {
      return { components: zeroComponents(c.kind), warning: `reward component(s) ${bad.join(', ')} not finite (${bad.map((k) => c[k]).join(', ')}); reward set to 0` };
    }
    return { components: c };
  } catch (e) {
    return { components: zeroComponents(kind ?? 'free'), warning: `reward function threw (${(e as Error)?.message ?? String(e)}); reward set to 0` };
  }
}
