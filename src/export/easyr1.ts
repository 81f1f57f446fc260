/**
 * The stage 3 (GRPO) set in the format EasyR1 reads: JSONL rows {"prompt", "answer", "images"}
 * (plus "id" to bring results back), `<image>` in the prompt where each image goes, image paths
 * relative to `data.image_dir`; and a config YAML overriding EasyR1's example config for this task
 * (a `format_prompt` Jinja file may be named in it; the exporter bakes the instruction into the
 * prompts instead).
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { InstructionRecord } from '../data/types.js';
import { atomicWrite } from '../util/fsx.js';
import { userContent } from './llamafactory.js';

export interface EasyR1Row {
  prompt: string;
  answer: string;
  images: string[];
  id: string;
}

/** One RL record as an EasyR1 row (the answer is the ground truth the reward compares with). */
export function toEasyR1Row(r: InstructionRecord, imagePath?: (p: string, r: InstructionRecord) => string): EasyR1Row {
  for (const f of ['id', 'prompt', 'answer'] as const) if (typeof r[f] !== 'string') throw new Error(`record ${r.id ?? '?'}: field '${f}' must be a string`);
  if (!Array.isArray(r.images)) throw new Error(`record ${r.id}: field 'images' must be an array`);
  return { prompt: userContent(r), answer: r.answer, images: r.images.map((p) => (imagePath ? imagePath(p, r) : p)), id: r.id };
}

export function writeEasyR1Dataset(records: InstructionRecord[], path: string, imagePath?: (p: string, r: InstructionRecord) => string): number {
  const lines = records.map((r) => JSON.stringify(toEasyR1Row(r, imagePath)));
  atomicWrite(path, lines.length ? lines.join('\n') + '\n' : '');
  return lines.length;
}

export interface EasyR1ConfigOptions {
  trainFile: string;
  valFile: string;
  imageDir: string;
  formatPrompt: string | null;
  rewardFile: string;
  /** Model GRPO starts from (the stage-2 output: "DeepMedix"). */
  model: string;
  experiment: string;
  nGpus?: number;
  nNodes?: number;
}

/**
 * An EasyR1 config YAML with this run's data, reward and GRPO settings (group size, clip range, KL
 * coefficient, learning rate, temperature from the workbench config). Keys not listed keep EasyR1's
 * defaults (pass it with `config=...` and override further on the command line). Every key must be
 * one of EasyR1's structured config (it refuses others): checked against the key list of the
 * EasyR1 commit named in docs/paper-scale.md (test/fixtures/export/upstream-config-keys.json). The
 * reward's batch/sequential type is not a config key: EasyR1 reads REWARD_TYPE from the reward file.
 */
export function easyR1ConfigYaml(config: Config, o: EasyR1ConfigOptions): string {
  const g = config.grpo;
  return `# DeepMedix GRPO (stage 3) for EasyR1 — written by 'deepmedix export'; check before running
data:
  train_files: ${o.trainFile}
  val_files: ${o.valFile}
  prompt_key: prompt
  answer_key: answer
  image_key: images
  image_dir: ${o.imageDir}
  format_prompt: ${o.formatPrompt ?? 'null'}
  max_prompt_length: 2048
  max_response_length: ${Math.max(512, g.maxNewTokens)}
  rollout_batch_size: 512
  shuffle: true
  seed: ${config.seed}

algorithm:
  adv_estimator: grpo
  disable_kl: ${g.beta === 0}
  use_kl_loss: ${g.beta > 0}
  kl_penalty: low_var_kl
  kl_coef: ${g.beta}

worker:
  actor:
    global_batch_size: ${Math.max(1, Math.floor(512 / g.miniBatches))}
    clip_ratio_low: ${g.clipLow}
    clip_ratio_high: ${g.clipHigh}
    model:
      model_path: ${o.model}
      freeze_vision_tower: ${g.freezeVision}
    optim:
      lr: 1.0e-6
  rollout:
    n: ${g.groupSize}
    temperature: ${g.temperature}
    top_p: ${g.topP}
  reward:
    reward_function: ${o.rewardFile}:compute_score

trainer:
  project_name: deepmedix
  experiment_name: ${o.experiment}
  nnodes: ${o.nNodes ?? 1}
  n_gpus_per_node: ${o.nGpus ?? 8}
  logger: ["console"]
`;
}

export function writeEasyR1Files(dir: string, files: Record<string, string>): string[] {
  return Object.entries(files).map(([name, text]) => {
    const p = join(dir, name);
    atomicWrite(p, text);
    return p;
  });
}
