/** `deepmedix export`: datasets, configs and the reward for paper-scale training (LLaMA-Factory, EasyR1). */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { exportPaperScale } from '../export/paper-scale.js';
import { checkOutputDir, parseArgs, requireFlag, stringFlag, UsageError } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';

export const command: Command = {
  name: 'export',
  summary: 'export SFT sets (LLaMA-Factory) and the RL set + reward (EasyR1) for paper-scale training',
  usage: `Usage: deepmedix export --image-root DIR [--instructions F] [--coldstart F] [--rl F [--rl-val F]] [--out DIR]

Writes, under --out (default: DATA/export):
  llamafactory/deepmedix_stage1.json, deepmedix_coldstart.json, dataset_info.json,
               stage1_sft.yaml, stage2_coldstart_sft.yaml
  easyr1/deepmedix_rl_train.jsonl (prompt/answer/images/id), deepmedix_rl_val.jsonl,
         deepmedix_format.jinja, deepmedix_grpo.yaml, deepmedix_reward.py, reward_spec.json
  manifest.json
  --instructions F    stage 1 instruction records (InstructionRecord JSONL)
  --coldstart F       stage 2 cold-start records (the synthesis stage's coldstart.jsonl)
  --rl F              stage 3 RL records; --rl-val F a validation set
  --image-root DIR    directory the records' relative image paths are under
  --absolute-images   write absolute image paths instead of paths relative to the image root
  --no-image-check    do not look for the images (they live elsewhere); paths are still checked
                      to stay inside the image root
  --base-model NAME   stage 1 base model (default Qwen/Qwen2.5-VL-7B-Instruct)
Every input is checked before anything is written: instruction records (UTF-8, fields, no
repeated id, not empty), image paths inside --image-root (no ../), images present. Files already
in --out are replaced, and said so. The reward settings come from the config's reward section
(e.g. --reward.coordinate=floor).
See docs/paper-scale.md.

${COMMON_FLAGS}`,
  flags: { values: ['out', 'base-model', 'coldstart', 'image-root', 'instructions', 'rl', 'rl-val'], booleans: ['absolute-images', 'no-image-check'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const outDir = stringFlag(args, 'out') ?? join(config.paths.data, 'export');
    checkOutputDir(outDir, '--out');
    const imageRoot = requireFlag(args, 'image-root');
    if (!args.flags['no-image-check'] && !(existsSync(imageRoot) && statSync(imageRoot).isDirectory())) throw new UsageError(`--image-root ${imageRoot} is not a directory (pass --no-image-check if the images live elsewhere)`);
    const m = exportPaperScale(config, {
      instructions: stringFlag(args, 'instructions'),
      coldstart: stringFlag(args, 'coldstart'),
      rl: stringFlag(args, 'rl'),
      rlVal: stringFlag(args, 'rl-val'),
      imageRoot,
      checkImages: !args.flags['no-image-check'],
      outDir,
      absoluteImages: Boolean(args.flags['absolute-images']),
      baseModel: stringFlag(args, 'base-model'),
    });
    console.log(`Exported ${Object.entries(m.counts).map(([k, v]) => `${k}: ${v}`).join(', ')} to ${outDir}`);
    for (const p of m.written) console.log(`  ${p}${m.replaced.includes(p) ? ' (replaced the file that was there)' : ''}`);
    return 0;
  },
};
