/**
 * Stage 3 on a cohort: pick the RL prompts from the training split (seeded, spread evenly over
 * tasks), give them the format instruction, and run GRPO from the cold-start checkpoint. What the
 * job's stage-3 step, `deepmedix train --stage grpo` and notebook 05 call.
 */
import type { Config } from '../../config.js';
import type { InstructionRecord } from '../../data/types.js';
import { hasCheckpoint, readCheckpoint } from '../../model/checkpoint.js';
import { configuredTemplates } from '../../data/templates.js';
import { Tokenizer } from '../../text/tokenizer.js';
import { sharedPath } from '../../util/paths.js';
import { grpoPromptsFromRecords } from './prompts.js';
import { checkRealVqaShare, mixRealRecords, realVqaRecords } from './real-prompts.js';
import type { GrpoPrompt } from './policy.js';
import { runGrpo, type GrpoRunOptions, type GrpoRunResult } from './run.js';
import { edgeOfCompetence, type EdgeScore } from './edge.js';
import { policyFromCheckpoint } from './policy.js';
import { rlSeed } from './trainer.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJson } from '../../util/fsx.js';
import { Progress } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import { balancedSelection } from '../../data/selection.js';

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
  /** Starting checkpoint: the cold-start model (the job's stage 2). */
  init: string;
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
  opts: { prompts?: number; quiet?: boolean; real?: readonly InstructionRecord[]; seed?: number } = {},
): Promise<GrpoPrompt[]> {
  const header = readCheckpoint(init).header;
  const tok = Tokenizer.fromJSON(header.tokenizer);
  const n = opts.prompts ?? config.grpo.steps * config.grpo.batchPrompts;
  const seed = opts.seed ?? rlSeed(config);
  const synthetic = selectRlRecords(train, n, seed, config.grpo.vqaWeight);
  const records = opts.real?.length ? mixRealRecords(synthetic, opts.real, n, config.grpo.realVqaShare, seed) : synthetic;
  // The same format instruction the cold-start model was trained with (config.synthesis.templates).
  const templates = configuredTemplates(config);
  return grpoPromptsFromRecords(records, tok, { imageSize: header.spec.imageSize, maxLen: header.spec.maxLen, imageRoot, templates, quiet: opts.quiet });
}

/** Run stage 3 from a checkpoint on the profile's cohort. */
export async function trainGrpoStage(config: Config, o: GrpoStageOptions): Promise<GrpoRunResult> {
  const init = o.init;
  if (!hasCheckpoint(init)) throw new Error(`grpo: no checkpoint to start from in ${init}`);
  const { train, val, imageRoot, prompts, benchmark, ...run } = o;
  const g = config.grpo;
  const needed = prompts ?? g.steps * g.batchPrompts;
  const candidates = g.edgeSamples > 0 ? g.edgeCandidates || 2 * needed : needed;
  let data = await grpoStagePrompts(config, init, train, imageRoot, { prompts: candidates, quiet: o.quiet, real: realRlRecords(config, benchmark) });
  if (g.edgeSamples > 0) data = await keepEdgePrompts(config, init, data, o.out, o.quiet);
  // The validation probe holds its prompts fixed across RL seeds (the master seed picks them).
  const nVal = Math.min(g.valPrompts, val?.length ?? 0);
  const validation = nVal > 0 && g.valEvery > 0 ? { prompts: await grpoStagePrompts(config, init, val!, imageRoot, { prompts: nVal, quiet: true, seed: config.seed }), every: g.valEvery } : undefined;
  return runGrpo({ ...run, config, data, init, validation });
}

/** The edge-of-competence filter over candidate prompts (grpo.edgeSamples > 0), its scores written to `out/edge.json` (reused on a resume). */
async function keepEdgePrompts(config: Config, init: string, candidates: GrpoPrompt[], out: string, quiet?: boolean): Promise<GrpoPrompt[]> {
  const g = config.grpo;
  const path = join(out, 'edge.json');
  let scores: EdgeScore[];
  if (existsSync(path)) scores = readJson<{ scores: EdgeScore[] }>(path).scores;
  else {
    const policy = policyFromCheckpoint(init, config.model.boxGrammar);
    try {
      const rng = Rng.derive(rlSeed(config), 'grpo-edge');
      const progress = new Progress({ label: 'RL prompts at the edge', total: candidates.length, quiet });
      const batch = Math.max(1, g.batchPrompts);
      scores = edgeOfCompetence(policy, candidates, { samples: g.edgeSamples, low: g.edgeLow, high: g.edgeHigh, temperature: g.temperature, topP: g.topP, maxNewTokens: g.maxNewTokens, batch, spec: config.reward, rng, onBatch: (n) => progress.tick(n) }).scores;
      progress.finish();
    } finally {
      policy.model.dispose();
    }
    writeJson(path, { samples: g.edgeSamples, band: [g.edgeLow, g.edgeHigh], candidates: candidates.length, kept: scores.filter((s) => s.kept).length, scores });
  }
  const keep = new Set(scores.filter((s) => s.kept).map((s) => s.id));
  const kept = candidates.filter((p) => keep.has(p.id));
  if (!kept.length) throw new Error(`grpo.edgeSamples: none of the ${candidates.length} candidate prompts is at the edge of the starting model's competence (band [${g.edgeLow}, ${g.edgeHigh}], rewards not all equal); widen the band or turn the filter off`);
  return kept;
}
