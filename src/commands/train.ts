/** `deepmedix train --stage sft`: stage-1 instruction fine-tuning on a cohort -> a checkpoint. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../backend.js';
import { resolveConfig } from '../config.js';
import { countParams } from '../model/spec.js';
import { trainSft } from '../train/sft.js';
import { defaultCohortDir, stage1Data } from '../job/stage1data.js';
import { parseArgs, stringFlag, UsageError } from './args.js';
import { readJsonl } from '../util/fsx.js';
import type { InstructionRecord } from '../data/types.js';
import { COMMON_FLAGS, type Command } from './types.js';
import { GRPO_USAGE, grpoTrainCommand } from '../train/grpo/stage.js';

export const command: Command = {
  name: 'train',
  summary: 'train a stage: --stage sft (stage 1 -> DeepMedix-mini) or --stage grpo (stage 3 -> DeepMedix-R1-mini)',
  usage: `Usage: deepmedix train --stage sft [--profile P] [--out DIR] [--cohort DIR] [--resume | --init DIR] [--quiet] [overrides]

Stage 1 (the paper's instruction SFT): splits the cohort by patient (config.benchmark sizes), builds
report / VQA / grounding instruction records, learns the tokenizer on the training records and
trains the vision-language model with the answer-only loss. DIR receives checkpoint.bin (weights,
optimizer state, tokenizer, config, RNG state), run.jsonl, config.json, tokenizer.json.
  --stage sft     stage 1 (stage 2, the cold start, runs in 'deepmedix run' and notebook 04 on the set
                  'deepmedix synthesize' writes; stage 3 is --stage grpo below)
  --cohort DIR    cohort directory (default data/cohort-<profile>; rendered if absent)
  --resume        continue the checkpoint in DIR
  --init DIR      start from the weights and tokenizer of the checkpoint in DIR (fresh optimizer and schedule)
  Hyper-parameters: --sft.epochs, --sft.batchSize, --sft.lr, ... ; architecture: --model.dModel, ...

${GRPO_USAGE}

${COMMON_FLAGS}`,
  async run(argv) {
    const args = parseArgs(argv, ['resume', 'quiet']);
    const stage = stringFlag(args, 'stage');
    if (stage === 'grpo') {
      const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
      await initBackend();
      const data = await stage1Data(config, stringFlag(args, 'cohort') ?? defaultCohortDir(config), { build: true, quiet: Boolean(args.flags.quiet) });
      // The benchmark's NIH patients stay out of --grpo.realVqaShare's real RL prompts.
      const benchFile = join(data.cohortDir, 'xraybench.jsonl');
      const benchmark = existsSync(benchFile) ? readJsonl<InstructionRecord>(benchFile) : undefined;
      return grpoTrainCommand(config, { init: stringFlag(args, 'init'), out: stringFlag(args, 'out'), train: data.train, val: data.val, benchmark, imageRoot: data.cohortDir, resume: Boolean(args.flags.resume), quiet: Boolean(args.flags.quiet) });
    }
    if (stage !== 'sft') throw new UsageError(`--stage must be 'sft' or 'grpo' (got ${stage === undefined ? 'nothing' : `'${stage}'`}); stage 2 runs in 'deepmedix run' and notebook 04`);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const out = stringFlag(args, 'out') ?? join(config.paths.data, 'runs', config.profile, 'stage1');
    const quiet = Boolean(args.flags.quiet);
    const backend = await initBackend();
    const data = await stage1Data(config, stringFlag(args, 'cohort') ?? defaultCohortDir(config), { build: true, quiet });
    console.log(`stage 1 SFT on ${backend.name}: ${data.train.length} training and ${data.val.length} validation records from ${data.cohortDir}`);
    const r = await trainSft({ config, out, train: data.train, val: data.val, imageRoot: data.cohortDir, resume: Boolean(args.flags.resume), init: stringFlag(args, 'init'), quiet });
    console.log(`model: ${countParams(r.model.spec).toLocaleString('en-US')} parameters, vocabulary ${r.tokenizer.vocabSize}`);
    console.log(`${r.steps}/${r.totalSteps} steps, last training loss ${r.lastLoss.toFixed(4)}${r.lastEval ? `, validation loss ${r.lastEval.valLoss.toFixed(4)}` : ''}`);
    console.log(`checkpoint: ${join(out, 'checkpoint.bin')}; run log: ${r.logPath}`);
    r.model.dispose();
    return 0;
  },
};
