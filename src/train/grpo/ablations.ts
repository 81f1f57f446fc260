/**
 * Reward and GRPO ablations as configs: each is a set of dotted overrides on the profile's config,
 * run from the same starting checkpoint on the same RL prompts, each into its own directory
 * (a finished run is not redone: its log and checkpoint are read back).
 */
import { join } from 'node:path';
import { resolveConfig, type Config } from '../../config.js';
import type { GrpoPrompt } from './policy.js';
import type { AblationResult } from './report.js';
import { runGrpo } from './run.js';
import type { GrpoStepLog } from './trainer.js';

export interface Ablation {
  name: string;
  /** Dotted config overrides relative to the base config. */
  overrides: Record<string, unknown>;
}

/** The ablations of issue #6: reward terms, λ, floor vs cap, BLEU variant, β = 0, G, loss aggregation, std scaling; and the workbench's clinical term. */
export const GRPO_ABLATIONS: Ablation[] = [
  { name: 'baseline (paper code)', overrides: {} },
  { name: 'no r_coo', overrides: { 'reward.coordinate': 'off' } },
  { name: 'no r_form', overrides: { 'reward.format': false } },
  { name: 'λ = 0.3', overrides: { 'reward.lambda': 0.3 } },
  { name: 'r_coo floor', overrides: { 'reward.coordinate': 'floor' } },
  { name: 'word BLEU', overrides: { 'reward.text': 'word' } },
  { name: 'β = 0 (no reference)', overrides: { 'grpo.beta': 0 } },
  { name: 'G = 2', overrides: { 'grpo.groupSize': 2 } },
  { name: 'sequence-mean loss', overrides: { 'grpo.lossAgg': 'sequence' } },
  { name: 'no std scaling (Dr. GRPO)', overrides: { 'grpo.scaleRewards': false } },
  // Not in the paper: the free-text score mixed half-and-half with CheXpert-label agreement.
  { name: 'clinical term c = 0.5', overrides: { 'reward.clinical': 0.5 } },
];

/** A directory name for an ablation. */
export function ablationSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
}

export interface RunAblationsOptions {
  /** The base config: its profile and any overrides every run shares. */
  base: Config;
  /** Extra overrides every run shares (e.g. { 'grpo.steps': 20 }). */
  shared?: Record<string, unknown>;
  init: string;
  prompts: readonly GrpoPrompt[];
  outRoot: string;
  ablations?: readonly Ablation[];
  onRunStart?: (a: Ablation) => void;
  onStep?: (a: Ablation, log: GrpoStepLog) => void;
  quiet?: boolean;
}

/** Run each ablation (resuming / skipping finished ones) and return their step logs. */
export async function runAblations(o: RunAblationsOptions): Promise<AblationResult[]> {
  const results: AblationResult[] = [];
  for (const a of o.ablations ?? GRPO_ABLATIONS) {
    o.onRunStart?.(a);
    const overrides = { ...(o.shared ?? {}), ...a.overrides };
    const config = resolveConfig(o.base.profile, { ...flattenConfigDiff(o.base), ...overrides });
    const r = await runGrpo({ config, out: join(o.outRoot, ablationSlug(a.name)), data: o.prompts, init: o.init, resume: true, quiet: o.quiet, onStep: (l) => o.onStep?.(a, l) });
    results.push({ name: a.name, overrides: a.overrides, logs: r.logs });
    r.dispose();
  }
  return results;
}

/** The base config's grpo / reward / seed values as dotted overrides (so each run starts from them). */
function flattenConfigDiff(c: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { seed: c.seed };
  for (const [k, v] of Object.entries(c.grpo)) out[`grpo.${k}`] = v;
  for (const [k, v] of Object.entries(c.reward)) out[`reward.${k}`] = v;
  return out;
}
