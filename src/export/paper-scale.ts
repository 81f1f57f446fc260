/**
 * `deepmedix export`: everything a GPU cluster needs to run the paper's three stages with the
 * engines the paper used — stage 1 and stage 2 SFT sets for LLaMA-Factory (+ dataset_info.json and
 * training YAMLs), the stage 3 RL set for EasyR1 (+ format prompt, config YAML, reward module and
 * reward spec) — and a manifest. See docs/paper-scale.md.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import type { InstructionRecord } from '../data/types.js';
import { fillTemplate, loadTemplates, DEFAULT_TEMPLATES_PATH } from '../data/templates.js';
import { atomicWrite, readJsonl, writeJson } from '../util/fsx.js';
import { easyR1ConfigYaml, writeEasyR1Dataset, writeEasyR1Files } from './easyr1.js';
import { llamaFactoryTrainYaml, writeLlamaFactoryDataset } from './llamafactory.js';
import { easyR1RewardModule, rewardSpecJson } from './reward-py.js';

export interface PaperScaleInputs {
  /** Stage 1 instruction records (JSONL). */
  instructions?: string;
  /** Stage 2 cold-start records (JSONL; `answer` holds the whole reasoning response). */
  coldstart?: string;
  /** Stage 3 RL records (JSONL) and an optional validation set. */
  rl?: string;
  rlVal?: string;
  /** Directory the records' relative image paths are under. */
  imageRoot: string;
  outDir: string;
  /** Write absolute image paths (default: as in the records, relative to imageRoot). */
  absoluteImages?: boolean;
  /** Base model for stage 1 (default Qwen/Qwen2.5-VL-7B-Instruct, as in the paper). */
  baseModel?: string;
}

export interface PaperScaleManifest {
  written: string[];
  counts: Record<string, number>;
}

function load(path: string, what: string): InstructionRecord[] {
  const rows = readJsonl<InstructionRecord>(path);
  rows.forEach((r, i) => {
    for (const f of ['id', 'prompt', 'answer'] as const) if (typeof r?.[f] !== 'string') throw new Error(`${path}: record ${i + 1} (${what}): field '${f}' must be a string`);
    if (!Array.isArray(r.images)) throw new Error(`${path}: record ${i + 1} (${what}): field 'images' must be an array`);
  });
  return rows;
}

/** The reasoning format instruction the model is trained to follow (from the synthesis templates). */
export function formatInstructionFor(config: Config): string {
  const t = loadTemplates(config.synthesis.templates || DEFAULT_TEMPLATES_PATH);
  return fillTemplate(t.formatInstruction, { frame: config.reward.bound }, `${t.source}: formatInstruction`);
}

/**
 * RL prompts need the reasoning format instruction (the policy is rewarded for following it). A
 * prompt that already asks for <think> keeps its own; the others get `instruction` appended. (It is
 * baked into each row rather than set as EasyR1's global format_prompt, so mixed sets stay right.)
 */
export function withInstruction(records: InstructionRecord[], instruction: string): InstructionRecord[] {
  return records.map((r) => (r.prompt.includes('<think>') ? r : { ...r, prompt: `${r.prompt.trimEnd()}\n${instruction.trim()}` }));
}

export function exportPaperScale(config: Config, inp: PaperScaleInputs): PaperScaleManifest {
  const root = resolve(inp.imageRoot);
  const imagePath = inp.absoluteImages ? (p: string) => (isAbsolute(p) ? p : join(root, p)) : undefined;
  const written: string[] = [];
  const counts: Record<string, number> = {};
  const lf = join(inp.outDir, 'llamafactory');
  const base = inp.baseModel ?? 'Qwen/Qwen2.5-VL-7B-Instruct';
  const instruction = formatInstructionFor(config);

  if (inp.instructions) {
    const w = writeLlamaFactoryDataset(load(inp.instructions, 'stage 1'), lf, 'deepmedix_stage1', { imagePath });
    written.push(w.data, w.info);
    counts.stage1 = w.count;
    const y = join(lf, 'stage1_sft.yaml');
    atomicWrite(y, llamaFactoryTrainYaml({ model: base, dataset: 'deepmedix_stage1', outputDir: 'saves/deepmedix-stage1', epochs: 1, learningRate: 1e-5 }) + `media_dir: ${root}\n`);
    written.push(y);
  }
  if (inp.coldstart) {
    // cold-start prompts carry the format instruction already (the synthesis stage adds it)
    const w = writeLlamaFactoryDataset(load(inp.coldstart, 'stage 2'), lf, 'deepmedix_coldstart', { imagePath });
    written.push(w.data, w.info);
    counts.coldstart = w.count;
    const y = join(lf, 'stage2_coldstart_sft.yaml');
    atomicWrite(y, llamaFactoryTrainYaml({ model: 'saves/deepmedix-stage1', dataset: 'deepmedix_coldstart', outputDir: 'saves/deepmedix', epochs: 3, learningRate: 5e-6 }) + `media_dir: ${root}\n`);
    written.push(y);
  }
  if (inp.rl) {
    const er = join(inp.outDir, 'easyr1');
    counts.rl = writeEasyR1Dataset(withInstruction(load(inp.rl, 'stage 3'), instruction), join(er, 'deepmedix_rl_train.jsonl'), imagePath);
    written.push(join(er, 'deepmedix_rl_train.jsonl'));
    if (inp.rlVal) {
      counts.rlVal = writeEasyR1Dataset(withInstruction(load(inp.rlVal, 'stage 3 validation'), instruction), join(er, 'deepmedix_rl_val.jsonl'), imagePath);
      written.push(join(er, 'deepmedix_rl_val.jsonl'));
    }
    const spec = config.reward;
    written.push(
      ...writeEasyR1Files(er, {
        'deepmedix_reward.py': easyR1RewardModule(spec),
        'deepmedix_grpo.yaml': easyR1ConfigYaml(config, {
          trainFile: 'deepmedix_rl_train.jsonl',
          valFile: inp.rlVal ? 'deepmedix_rl_val.jsonl' : 'deepmedix_rl_train.jsonl',
          imageDir: inp.absoluteImages ? 'null' : root,
          formatPrompt: null,
          rewardFile: './deepmedix_reward.py',
          model: 'saves/deepmedix',
          experiment: `deepmedix_r1_${config.profile}`,
        }),
      }),
    );
    writeJson(join(er, 'reward_spec.json'), rewardSpecJson(spec));
    written.push(join(er, 'reward_spec.json'));
  }
  if (!written.length) throw new Error('nothing to export: give --instructions, --coldstart and/or --rl');
  const manifest = join(inp.outDir, 'manifest.json');
  writeJson(manifest, { createdBy: 'deepmedix export', profile: config.profile, imageRoot: root, absoluteImages: Boolean(inp.absoluteImages), counts, files: written.map((p) => p.slice(inp.outDir.length + 1)) });
  written.push(manifest);
  return { written, counts };
}
