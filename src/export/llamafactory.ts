/**
 * Stage 1 (instruction SFT) and stage 2 (cold-start reasoning SFT) sets in LLaMA-Factory's
 * multimodal SFT format: a JSON array of sharegpt-style items
 *   {"messages": [{"role": "user", "content": "<image>PROMPT"}, {"role": "assistant", "content": ANSWER}], "images": [PATH]}
 * one `<image>` token per image, and a dataset_info.json entry naming the columns and role tags.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InstructionRecord } from '../data/types.js';
import { atomicWrite, readJson, writeJson } from '../util/fsx.js';

export const IMAGE_TOKEN = '<image>';

export interface ShareGptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ShareGptItem {
  messages: ShareGptMessage[];
  images: string[];
}

export interface DatasetInfoEntry {
  file_name: string;
  formatting: 'sharegpt';
  columns: { messages: string; images: string; system?: string };
  tags: { role_tag: string; content_tag: string; user_tag: string; assistant_tag: string; system_tag?: string };
}

export interface SftExportOptions {
  /** Map a record's image path to the path written (default: unchanged). */
  imagePath?: (path: string, record: InstructionRecord) => string;
  /** Text appended to each prompt (e.g. the reasoning format instruction) unless already present. */
  promptSuffix?: string;
  /** Optional system message. */
  system?: string;
}

/** The user turn: one `<image>` per image (unless the prompt already places them), then the prompt. */
export function userContent(r: InstructionRecord, suffix?: string): string {
  let prompt = r.prompt;
  if (suffix && !prompt.includes(suffix.trim())) prompt = `${prompt.trimEnd()}\n${suffix.trim()}`;
  const present = prompt.split(IMAGE_TOKEN).length - 1;
  if (present === r.images.length) return prompt;
  if (present > 0) throw new Error(`record ${r.id}: prompt has ${present} ${IMAGE_TOKEN} tokens but ${r.images.length} images`);
  return IMAGE_TOKEN.repeat(r.images.length) + prompt;
}

/** One record as a LLaMA-Factory sharegpt item. */
export function toShareGpt(r: InstructionRecord, opts: SftExportOptions = {}): ShareGptItem {
  for (const f of ['id', 'prompt', 'answer'] as const) if (typeof r[f] !== 'string') throw new Error(`record ${r.id ?? '?'}: field '${f}' must be a string`);
  if (!Array.isArray(r.images)) throw new Error(`record ${r.id}: field 'images' must be an array`);
  const messages: ShareGptMessage[] = [];
  if (opts.system) messages.push({ role: 'system', content: opts.system });
  messages.push({ role: 'user', content: userContent(r, opts.promptSuffix) }, { role: 'assistant', content: r.answer });
  return { messages, images: r.images.map((p) => (opts.imagePath ? opts.imagePath(p, r) : p)) };
}

/** The dataset_info.json entry for a file written by `writeLlamaFactoryDataset`. */
export function datasetInfoEntry(fileName: string, withSystem = false): DatasetInfoEntry {
  return {
    file_name: fileName,
    formatting: 'sharegpt',
    columns: { messages: 'messages', images: 'images' },
    tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', ...(withSystem ? { system_tag: 'system' } : {}) },
  };
}

/**
 * Write `<name>.json` into dir and add (or replace) its entry in dir/dataset_info.json, keeping any
 * other entries there. Returns the paths written.
 */
export function writeLlamaFactoryDataset(records: InstructionRecord[], dir: string, name: string, opts: SftExportOptions = {}): { data: string; info: string; count: number } {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`dataset name '${name}' must be letters, digits, '_', '-' or '.'`);
  const items = records.map((r) => toShareGpt(r, opts));
  const data = join(dir, `${name}.json`);
  atomicWrite(data, JSON.stringify(items, null, 1) + '\n');
  const info = join(dir, 'dataset_info.json');
  const entries = existsSync(info) ? readJson<Record<string, unknown>>(info) : {};
  entries[name] = datasetInfoEntry(`${name}.json`, Boolean(opts.system));
  writeJson(info, entries);
  return { data, info, count: items.length };
}

export interface LlamaFactoryTrainOptions {
  /** Base model (stage 1) or the stage-1 output (stage 2). */
  model: string;
  dataset: string;
  outputDir: string;
  epochs: number;
  learningRate: number;
  /** LLaMA-Factory chat template name. */
  template?: string;
  cutoffLen?: number;
  perDeviceBatch?: number;
  gradAccum?: number;
  deepspeed?: string;
}

/** A LLaMA-Factory training YAML (full-parameter SFT) for one stage; review before running. */
export function llamaFactoryTrainYaml(o: LlamaFactoryTrainOptions): string {
  return `### DeepMedix: written by 'deepmedix export' — check every value against your cluster before running
### model
model_name_or_path: ${o.model}
trust_remote_code: true

### method
stage: sft
do_train: true
finetuning_type: full
freeze_vision_tower: false
${o.deepspeed ? `deepspeed: ${o.deepspeed}\n` : ''}
### dataset
dataset: ${o.dataset}
dataset_dir: .
template: ${o.template ?? 'qwen2_vl'}
cutoff_len: ${o.cutoffLen ?? 4096}
overwrite_cache: true
preprocessing_num_workers: 16

### output
output_dir: ${o.outputDir}
logging_steps: 10
save_steps: 1000
plot_loss: true
overwrite_output_dir: true

### train
per_device_train_batch_size: ${o.perDeviceBatch ?? 1}
gradient_accumulation_steps: ${o.gradAccum ?? 8}
learning_rate: ${o.learningRate}
num_train_epochs: ${o.epochs}
lr_scheduler_type: cosine
warmup_ratio: 0.1
bf16: true
`;
}
