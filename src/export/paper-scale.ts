/**
 * `deepmedix export`: everything a GPU cluster needs to run the paper's three stages with the
 * engines the paper used — stage 1 and stage 2 SFT sets for LLaMA-Factory (+ dataset_info.json and
 * training YAMLs), the stage 3 RL set for EasyR1 (+ format prompt, config YAML, reward module and
 * reward spec) — and a manifest. See docs/paper-scale.md.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Config } from '../config.js';
import { readInstructionRecords } from '../data/records.js';
import { resolveInside } from '../data/safe-path.js';
import type { InstructionRecord } from '../data/types.js';
import { fillTemplate, loadTemplates, DEFAULT_TEMPLATES_PATH } from '../data/templates.js';
import { atomicWrite, writeJson } from '../util/fsx.js';
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
  /** Check that every image exists under the image root (default true). */
  checkImages?: boolean;
}

export interface PaperScaleManifest {
  written: string[];
  /** Files of `written` that were there before and have been replaced. */
  replaced: string[];
  counts: Record<string, number>;
}

/**
 * A stage's records, checked before anything is written: a readable instruction-record file
 * (UTF-8, the fields every stage reads, no repeated id, not empty) whose image paths stay inside
 * the image root (no `../` climbing out, no absolute path elsewhere) and, unless `checkImages` is
 * false, exist there. Errors name the file and the records.
 */
export function loadExportRecords(path: string, what: string, root: string, checkImages = true): InstructionRecord[] {
  let rows: InstructionRecord[];
  try {
    rows = readInstructionRecords(path);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
  const missing: string[] = [];
  for (const r of rows) {
    for (const p of r.images) {
      let full: string;
      if (isAbsolute(p)) {
        const rel = relative(root, p);
        if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${path} (${what}): record ${r.id}: image '${p}' is outside the image root ${root}`);
        full = p;
      } else {
        try {
          full = resolveInside(root, p);
        } catch (e) {
          throw new Error(`${path} (${what}): record ${r.id}: ${(e as Error).message}`);
        }
      }
      if (checkImages && !existsSync(full)) missing.push(`${r.id}: ${p}`);
    }
  }
  if (missing.length) {
    throw new Error(`${path} (${what}): ${missing.length} image(s) not found under ${root}: ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? '; …' : ''} (check --image-root, or pass --no-image-check to export without looking)`);
  }
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
  // Every input is read and checked before the first file is written.
  const read = (p: string | undefined, what: string) => (p ? loadExportRecords(p, what, root, inp.checkImages ?? true) : null);
  const stage1 = read(inp.instructions, 'stage 1');
  const stage2 = read(inp.coldstart, 'stage 2');
  const rl = read(inp.rl, 'stage 3');
  const rlVal = inp.rl ? read(inp.rlVal, 'stage 3 validation') : null;
  if (!stage1 && !stage2 && !rl) throw new Error('nothing to export: give --instructions, --coldstart and/or --rl');
  if (inp.rlVal && !inp.rl) throw new Error('--rl-val is the validation set of --rl: give --rl too');
  const before = new Set(['llamafactory', 'easyr1'].flatMap((d) => (existsSync(join(inp.outDir, d)) ? readdirSync(join(inp.outDir, d)).map((f) => join(inp.outDir, d, f)) : [])));
  if (existsSync(join(inp.outDir, 'manifest.json'))) before.add(join(inp.outDir, 'manifest.json'));

  if (stage1) {
    const w = writeLlamaFactoryDataset(stage1, lf, 'deepmedix_stage1', { imagePath });
    written.push(w.data, w.info);
    counts.stage1 = w.count;
    const y = join(lf, 'stage1_sft.yaml');
    atomicWrite(y, llamaFactoryTrainYaml({ model: base, dataset: 'deepmedix_stage1', outputDir: 'saves/deepmedix-stage1', epochs: 1, learningRate: 1e-5 }) + `media_dir: ${root}\n`);
    written.push(y);
  }
  if (stage2) {
    // cold-start prompts carry the format instruction already (the synthesis stage adds it)
    const w = writeLlamaFactoryDataset(stage2, lf, 'deepmedix_coldstart', { imagePath });
    written.push(w.data, w.info);
    counts.coldstart = w.count;
    const y = join(lf, 'stage2_coldstart_sft.yaml');
    atomicWrite(y, llamaFactoryTrainYaml({ model: 'saves/deepmedix-stage1', dataset: 'deepmedix_coldstart', outputDir: 'saves/deepmedix', epochs: 3, learningRate: 5e-6 }) + `media_dir: ${root}\n`);
    written.push(y);
  }
  if (rl) {
    const er = join(inp.outDir, 'easyr1');
    counts.rl = writeEasyR1Dataset(withInstruction(rl, instruction), join(er, 'deepmedix_rl_train.jsonl'), imagePath);
    written.push(join(er, 'deepmedix_rl_train.jsonl'));
    if (rlVal) {
      counts.rlVal = writeEasyR1Dataset(withInstruction(rlVal, instruction), join(er, 'deepmedix_rl_val.jsonl'), imagePath);
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
  const manifest = join(inp.outDir, 'manifest.json');
  writeJson(manifest, { createdBy: 'deepmedix export', profile: config.profile, imageRoot: root, absoluteImages: Boolean(inp.absoluteImages), counts, files: [...new Set(written)].map((p) => p.slice(inp.outDir.length + 1)) });
  written.push(manifest);
  const files = [...new Set(written)];
  return { written: files, replaced: files.filter((f) => before.has(f)), counts };
}
