/**
 * Reward probes: edited copies of one response, each changing one thing a policy could learn to
 * change (write more boxes, drop the think block, forget the `\boxed{}`, …), scored under each
 * reward variant. What a variant pays for these edits is what GRPO will push the policy towards —
 * e.g. the paper's printed floor on r_coo pays for every extra box, the public code's cap does not.
 */
import { THINK_CLOSE, THINK_OPEN } from '../text/parse.js';
import { computeReward, DEFAULT_REWARD_SPEC, type RewardComponents, type RewardSpec } from './compose.js';
import { type AnswerKind } from '../data/types.js';

export interface Probe {
  name: string;
  response: string;
}

/** Named reward variants for ablations (changes relative to the default spec). */
export const REWARD_VARIANTS: { name: string; changes: Partial<RewardSpec> }[] = [
  { name: 'paper code (default)', changes: {} },
  { name: 'r_coo floor (paper formula)', changes: { coordinate: 'floor' } },
  { name: 'no r_coo', changes: { coordinate: 'off' } },
  { name: 'no r_form', changes: { format: false } },
  { name: 'λ = 0.3', changes: { lambda: 0.3 } },
  { name: 'word BLEU', changes: { text: 'word' } },
];

/** Edited copies of `response` (which should hold a think block and a `\boxed{}` answer). */
export function rewardProbes(response: string, frame = 512): Probe[] {
  const close = response.indexOf(THINK_CLOSE);
  const insertBoxes = (boxes: string) => (close < 0 ? `${THINK_OPEN}${boxes}${THINK_CLOSE}${response}` : `${response.slice(0, close)} ${boxes}${response.slice(close)}`);
  const box = `[${Math.round(frame * 0.3)}, ${Math.round(frame * 0.3)}, ${Math.round(frame * 0.6)}, ${Math.round(frame * 0.6)}]`;
  const boxed = /\\boxed\{([\s\S]*)\}/;
  const answer = boxed.exec(response)?.[1] ?? '';
  return [
    { name: 'as written', response },
    { name: '+1 box', response: insertBoxes(box) },
    { name: '+10 boxes (spam)', response: insertBoxes(Array(10).fill(box).join(' ')) },
    { name: '+1 box beyond the frame', response: insertBoxes(`[0, 0, ${frame + 88}, 40]`) },
    { name: 'no think block', response: response.replace(/<think>[\s\S]*?<\/think>/, '').trim() },
    { name: 'answer not in \\boxed{}', response: response.replace(boxed, answer) },
    { name: 'empty \\boxed{}', response: response.replace(boxed, '\\boxed{}') },
    { name: 'spaced tags', response: response.replace(THINK_OPEN, '< think >').replace(THINK_CLOSE, '</ think >') },
  ];
}

export interface ProbeScores {
  probe: string;
  /** Total reward under each variant, in REWARD_VARIANTS order (or the given variants). */
  totals: number[];
  /** Components under the default spec. */
  parts: RewardComponents;
}

export function scoreProbes(
  probes: readonly Probe[],
  groundTruth: string,
  kind?: AnswerKind,
  variants: readonly { name: string; changes: Partial<RewardSpec> }[] = REWARD_VARIANTS,
  base: RewardSpec = DEFAULT_REWARD_SPEC,
): ProbeScores[] {
  return probes.map((p) => ({
    probe: p.name,
    totals: variants.map((v) => computeReward(p.response, groundTruth, { ...base, ...v.changes }, kind).total),
    parts: computeReward(p.response, groundTruth, base, kind),
  }));
}

/** A Markdown table: one row per probe, r_ans / r_form / r_coo under the default, then r under each variant. */
export function probesMarkdown(scores: readonly ProbeScores[], variants: readonly { name: string }[] = REWARD_VARIANTS): string {
  const f = (v: number) => v.toFixed(3);
  return [
    `| edit | r_ans | r_form | r_coo | ${variants.map((v) => `r: ${v.name}`).join(' | ')} |`,
    `|---|---|---|---|${variants.map(() => '---').join('|')}|`,
    ...scores.map((s) => `| ${s.probe.replace(/\|/g, '\\|')} | ${f(s.parts.answer)} | ${s.parts.format} | ${f(s.parts.coordinate)} | ${s.totals.map(f).join(' | ')} |`),
  ].join('\n');
}
