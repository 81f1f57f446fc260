/** `deepmedix export`: datasets, configs and the reward for paper-scale training (LLaMA-Factory, EasyR1). */
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { exportPaperScale } from '../export/paper-scale.js';
import { parseArgs, requireFlag, stringFlag } from './args.js';
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
  --base-model NAME   stage 1 base model (default Qwen/Qwen2.5-VL-7B-Instruct)
The reward settings come from the config's reward section (e.g. --reward.coordinate=floor).
See docs/paper-scale.md.

${COMMON_FLAGS}`,
  async run(argv) {
    const args = parseArgs(argv, ['absolute-images']);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const outDir = stringFlag(args, 'out') ?? join(config.paths.data, 'export');
    const m = exportPaperScale(config, {
      instructions: stringFlag(args, 'instructions'),
      coldstart: stringFlag(args, 'coldstart'),
      rl: stringFlag(args, 'rl'),
      rlVal: stringFlag(args, 'rl-val'),
      imageRoot: requireFlag(args, 'image-root'),
      outDir,
      absoluteImages: Boolean(args.flags['absolute-images']),
      baseModel: stringFlag(args, 'base-model'),
    });
    console.log(`Exported ${Object.entries(m.counts).map(([k, v]) => `${k}: ${v}`).join(', ')} to ${outDir}`);
    for (const p of m.written) console.log(`  ${p}`);
    return 0;
  },
};
