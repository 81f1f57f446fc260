/**
 * The reward ablations of the paper's reward (notebook 08 runs them as one `deepmedix study`): each
 * variant changes one thing about what stage 3 is rewarded for or how far it may move, as dotted
 * config overrides of the recipe. The first four are the paper's own reward terms and their
 * readings (the public code's cap against the printed floor, character against word BLEU).
 */
export interface Ablation {
  name: string;
  /** Dotted config overrides relative to the base recipe. */
  overrides: Record<string, unknown>;
}

export const REWARD_ABLATIONS: readonly Ablation[] = [
  { name: 'no r_coo', overrides: { 'reward.coordinate': 'off' } },
  { name: 'no r_form', overrides: { 'reward.format': false } },
  { name: 'λ = 0.3', overrides: { 'reward.lambda': 0.3 } },
  { name: 'r_coo floor (printed formula)', overrides: { 'reward.coordinate': 'floor' } },
  { name: 'word BLEU', overrides: { 'reward.text': 'word' } },
  { name: 'β = 0 (no KL)', overrides: { 'grpo.beta': 0 } },
  { name: 'G = 4', overrides: { 'grpo.groupSize': 4 } },
];
