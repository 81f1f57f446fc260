/**
 * Stage 3 on a cohort: pick the RL prompts from the training split (seeded, spread evenly over
 * tasks), give them the format instruction, and run GRPO from the cold-start checkpoint. What
 * `deepmedix train --stage grpo` and notebook 05 call.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { InstructionRecord } from '../../data/types.js';
import { hasCheckpoint, readCheckpoint, refuseOverwrite } from '../../model/checkpoint.js';
import { loadTemplates, templatesPath } from '../../data/templates.js';
import { Tokenizer } from '../../text/tokenizer.js';
import { sharedPath } from '../../util/paths.js';
import { grpoPromptsFromRecords } from './prompts.js';
import { checkRealVqaShare, mixRealRecords, realVqaRecords } from './real-prompts.js';
import type { GrpoPrompt } from './policy.js';
import { runGrpo, type GrpoRunOptions, type GrpoRunResult } from './run.js';
import { balancedSelection } from '../../data/selection.js';

/** Where a profile's stage checkpoints live by default. */
export function stageDir(config: Config, stage: 'stage1' | 'stage2' | 'stage3'): string {
  return join(config.paths.data, 'runs', config.profile, stage);
}

/**
 * The checkpoint GRPO starts from by default: the cold-start model (`stage2/model`, where the
 * cold-start stage writes it, or `stage2`) when present, else stage 1.
 */
export function defaultGrpoInit(config: Config): string | null {
  const candidates = [join(stageDir(config, 'stage2'), 'model'), stageDir(config, 'stage2'), stageDir(config, 'stage1')];
  return candidates.find((d) => hasCheckpoint(d)) ?? null;
}

/** RL records: `n` training records spread evenly over the tasks (seeded). */
export function selectRlRecords(train: InstructionRecord[], n: number, seed: number, vqaWeight = 1): InstructionRecord[] {
  return balancedSelection(train, Math.min(n, train.length), seed + 3, { vqa: vqaWeight });
}

/**
 * The real-radiograph VQA records that grpo.realVqaShare mixes into the RL prompts (none at 0):
 * NIH studies of patients with no item in `benchmark`.
 */
export function realRlRecords(config: Config, benchmark: readonly InstructionRecord[] | undefined): InstructionRecord[] {
  const share = config.grpo.realVqaShare;
  checkRealVqaShare(share);
  if (share === 0) return [];
  const root = sharedPath('data', 'nih-cxr');
  if (!root) throw new Error('grpo.realVqaShare > 0 needs the NIH radiographs in ../shared/data/nih-cxr, which are absent');
  if (!benchmark) throw new Error("grpo.realVqaShare > 0 needs the benchmark's records (the cohort's xraybench.jsonl, written by 'deepmedix run' or 'deepmedix cohort') to keep its NIH patients out of the RL prompts");
  const records = realVqaRecords(benchmark, { root, frame: config.cohort.frame, seed: config.seed });
  if (records.length === 0) throw new Error(`grpo.realVqaShare: every NIH patient in ${root} is in the benchmark; no real images are left for RL`);
  return records;
}

export interface GrpoStageOptions extends Omit<GrpoRunOptions, 'config' | 'data' | 'init' | 'model'> {
  /** Starting checkpoint (default: `defaultGrpoInit`). */
  init?: string;
  /** The training split's instruction records (the RL prompts are chosen from them). */
  train: InstructionRecord[];
  /** The validation split's records: grpo.valPrompts of them become the validation probe (none: no probe). */
  val?: InstructionRecord[];
  /** Directory their relative image paths are resolved against (the cohort directory). */
  imageRoot: string;
  /** Number of RL prompts (default: steps × batchPrompts, i.e. each prompt seen about once). */
  prompts?: number;
  /** The benchmark's records: needed when grpo.realVqaShare > 0 (its NIH patients stay out of RL). */
  benchmark?: InstructionRecord[];
}

/** Build the RL prompts for a checkpoint's tokenizer and architecture. */
export async function grpoStagePrompts(
  config: Config,
  init: string,
  train: InstructionRecord[],
  imageRoot: string,
  opts: { prompts?: number; quiet?: boolean; real?: readonly InstructionRecord[] } = {},
): Promise<GrpoPrompt[]> {
  const header = readCheckpoint(init).header;
  const tok = Tokenizer.fromJSON(header.tokenizer);
  const n = opts.prompts ?? config.grpo.steps * config.grpo.batchPrompts;
  const synthetic = selectRlRecords(train, n, config.seed, config.grpo.vqaWeight);
  const records = opts.real?.length ? mixRealRecords(synthetic, opts.real, n, config.grpo.realVqaShare, config.seed) : synthetic;
  // The same format instruction the cold-start model was trained with (config.synthesis.templates).
  const templates = loadTemplates(templatesPath(config.synthesis.templates));
  return grpoPromptsFromRecords(records, tok, { imageSize: header.spec.imageSize, maxLen: header.spec.maxLen, imageRoot, templates, quiet: opts.quiet });
}

/** Run stage 3 from a checkpoint on the profile's cohort. */
export async function trainGrpoStage(config: Config, o: GrpoStageOptions): Promise<GrpoRunResult> {
  const init = o.init ?? defaultGrpoInit(config);
  if (!init) throw new Error(`grpo: no starting checkpoint: pass --init DIR, or train stage 1/2 first (looked in ${stageDir(config, 'stage2')}/model, ${stageDir(config, 'stage2')} and ${stageDir(config, 'stage1')})`);
  if (!existsSync(init)) throw new Error(`grpo: --init ${init} does not exist`);
  const { train, val, imageRoot, prompts, benchmark, ...run } = o;
  const data = await grpoStagePrompts(config, init, train, imageRoot, { prompts, quiet: o.quiet, real: realRlRecords(config, benchmark) });
  const nVal = Math.min(config.grpo.valPrompts, val?.length ?? 0);
  const validation = nVal > 0 && config.grpo.valEvery > 0 ? { prompts: await grpoStagePrompts(config, init, val!, imageRoot, { prompts: nVal, quiet: true }), every: config.grpo.valEvery } : undefined;
  return runGrpo({ ...run, config, data, init, validation });
}

export const GRPO_USAGE = `Stage 3 (--stage grpo, the paper's online RL): GRPO from the cold-start checkpoint (--init DIR;
default data/runs/<profile>/stage2/model, else stage1) on RL prompts drawn from the cohort's training
split, with the paper's reward r = (1 − λ)·r_ans + λ·r_form + r_coo. DIR (default
data/runs/<profile>/stage3) receives checkpoint.bin (DeepMedix-R1-mini), steps.jsonl (per-step
reward components, KL, clip fraction, entropy, lengths, zero-std groups, advantage histogram),
config.json, validation.jsonl (greedy reward on grpo.valPrompts held-out prompts every grpo.valEvery steps). Settings: --grpo.groupSize, --grpo.beta, --grpo.mu, --grpo.clipLow/clipHigh,
--grpo.lossAgg=token|sequence, --grpo.updateBatch (responses per backward pass), --grpo.freezeVision (update
the decoder only, as EasyR1's freeze_vision_tower), ...; reward ablations:
--reward.lambda, --reward.coordinate=cap|floor|off, --reward.format=false, --reward.text=paper-code|word,
--reward.clinical=C (not in the paper: CheXpert-label agreement mixed into the free-text score);
--grpo.realVqaShare=S (not in the default recipe: a share S of the prompts are VQA on real NIH
radiographs of patients outside the benchmark; needs ../shared/data/nih-cxr and the cohort's xraybench.jsonl).`;

/** `deepmedix train --stage grpo`: resolve paths, build the RL prompts, run, print a summary. */
export async function grpoTrainCommand(
  config: Config,
  o: { init?: string; out?: string; train: InstructionRecord[]; val?: InstructionRecord[]; benchmark?: InstructionRecord[]; imageRoot: string; resume: boolean; quiet: boolean },
): Promise<number> {
  const out = o.out ?? stageDir(config, 'stage3');
  refuseOverwrite(out, o.resume);
  const r = await trainGrpoStage(config, { init: o.init, train: o.train, val: o.val, benchmark: o.benchmark, imageRoot: o.imageRoot, out, resume: o.resume, quiet: o.quiet });
  const last = r.logs.slice(-Math.max(1, Math.round(r.logs.length / 5)));
  const first = r.logs.slice(0, Math.max(1, Math.round(r.logs.length / 5)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(`GRPO: ${r.logs.length} steps; mean reward ${mean(first.map((l) => l.reward.total.mean)).toFixed(4)} (first fifth) -> ${mean(last.map((l) => l.reward.total.mean)).toFixed(4)} (last fifth)`);
  if (r.validation.length > 1) {
    const [a, b] = [r.validation[0], r.validation[r.validation.length - 1]];
    console.log(`validation probe (${a.n} held-out prompts, greedy): reward ${a.reward.total.toFixed(4)} at step ${a.step} -> ${b.reward.total.toFixed(4)} at step ${b.step}`);
  }
  console.log(`checkpoint: ${join(out, 'checkpoint.bin')}; step log: ${join(out, 'steps.jsonl')}`);
  r.dispose();
  return 0;
}
