/** `deepmedix train --stage sft|grpo`: stage-1 instruction SFT or stage-3 GRPO on the job's cohort -> a checkpoint. */
import { join } from 'node:path';
import { initBackend } from '../backend.js';
import { resolveConfig, type Config } from '../config.js';
import { hasCheckpoint } from '../model/checkpoint.js';
import { countParams } from '../model/spec.js';
import { trainGrpoStage } from '../train/grpo/stage.js';
import { trainSft } from '../train/sft.js';
import { checkOutputDir, parseArgs, stringFlag, UsageError, type ParsedArgs } from './args.js';
import { commandDatasets, jobRun, RUN_FLAG_HELP } from './job-data.js';
import { COMMON_FLAGS, type Command } from './types.js';

const GRPO_USAGE = `Stage 3 (--stage grpo, the paper's online RL): GRPO from the cold-start checkpoint (--init DIR,
default the main job's stage-2 model, <run>/steps/stage2/model) on RL prompts drawn from the job's
training split, with the paper's reward r = (1 − λ)·r_ans + λ·r_form + r_coo. DIR (default
<run>/cli/train-grpo) receives checkpoint.bin (DeepMedix-R1-mini), steps.jsonl (per-step reward
components, KL, clip fraction, entropy, lengths, zero-std groups, advantage histogram), config.json,
validation.jsonl (greedy reward on grpo.valPrompts held-out prompts every grpo.valEvery steps).
Settings: --grpo.groupSize, --grpo.beta, --grpo.mu, --grpo.clipLow/clipHigh, --grpo.lossAgg=token|sequence,
--grpo.updateBatch (responses per backward pass), --grpo.freezeVision (update the decoder only, as
EasyR1's freeze_vision_tower), ...; reward ablations: --reward.lambda, --reward.coordinate=cap|floor|off,
--reward.format=false, --reward.text=paper-code|word, --reward.clinical=C (not in the paper:
CheXpert-label agreement mixed into the free-text score); --grpo.realVqaShare=S (not in the default
recipe: a share S of the prompts are VQA on real NIH radiographs of patients outside the benchmark;
needs ../shared/data/nih-cxr).`;

/** The output directory, refused when it holds a checkpoint and --resume is not given. */
function outputDir(args: ParsedArgs, fallback: string): string {
  const out = stringFlag(args, 'out') ?? fallback;
  checkOutputDir(out, '--out');
  if (!args.flags.resume && hasCheckpoint(out)) throw new UsageError(`${out} already holds a checkpoint; pass --resume to continue it, or choose another output directory (--out)`);
  return out;
}

async function trainGrpo(config: Config, args: ParsedArgs, out: string, quiet: boolean): Promise<number> {
  const layout = jobRun(config, args);
  const init = stringFlag(args, 'init') ?? layout.model('stage2');
  if (!hasCheckpoint(init)) {
    throw new UsageError(
      args.flags.init
        ? `--init ${init} holds no checkpoint`
        : `no cold-start checkpoint in ${init}: run 'deepmedix run --profile ${config.profile}' first (it trains stages 1 and 2), or pass --init DIR`,
    );
  }
  console.log(`starting from ${init}`);
  const data = await commandDatasets(config, args, { quiet });
  const r = await trainGrpoStage(config, { init, train: data.train, val: data.val, benchmark: data.benchmark, imageRoot: data.dir, out, resume: Boolean(args.flags.resume), quiet });
  const fifth = Math.max(1, Math.round(r.logs.length / 5));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const reward = (ls: typeof r.logs) => mean(ls.map((l) => l.reward.total.mean)).toFixed(4);
  console.log(`GRPO: ${r.logs.length} steps; mean reward ${reward(r.logs.slice(0, fifth))} (first fifth) -> ${reward(r.logs.slice(-fifth))} (last fifth)`);
  if (r.validation.length > 1) {
    const [a, b] = [r.validation[0], r.validation[r.validation.length - 1]];
    console.log(`validation probe (${a.n} held-out prompts, greedy): reward ${a.reward.total.toFixed(4)} at step ${a.step} -> ${b.reward.total.toFixed(4)} at step ${b.step}`);
  }
  console.log(`checkpoint: ${join(out, 'checkpoint.bin')}; step log: ${join(out, 'steps.jsonl')}`);
  r.dispose();
  return 0;
}

async function trainStage1(config: Config, args: ParsedArgs, out: string, quiet: boolean): Promise<number> {
  const data = await commandDatasets(config, args, { quiet });
  const backend = await initBackend();
  console.log(`stage 1 SFT on ${backend.name}: ${data.train.length} training and ${data.val.length} validation records from ${data.dir}`);
  const r = await trainSft({ config, out, train: data.train, val: data.val, imageRoot: data.dir, resume: Boolean(args.flags.resume), init: stringFlag(args, 'init'), quiet });
  console.log(`model: ${countParams(r.model.spec).toLocaleString('en-US')} parameters, vocabulary ${r.tokenizer.vocabSize}`);
  console.log(`${r.steps}/${r.totalSteps} steps, last training loss ${r.lastLoss.toFixed(4)}${r.lastEval ? `, validation loss ${r.lastEval.valLoss.toFixed(4)}` : ''}`);
  console.log(`checkpoint: ${join(out, 'checkpoint.bin')}; run log: ${r.logPath}`);
  r.model.dispose();
  return 0;
}

export const command: Command = {
  name: 'train',
  summary: 'train a stage: --stage sft (stage 1 -> DeepMedix-mini) or --stage grpo (stage 3 -> DeepMedix-R1-mini)',
  usage: `Usage: deepmedix train --stage sft|grpo [--profile P] [--out DIR] [--run DIR | --cohort DIR] [--resume | --init DIR] [--quiet] [overrides]

Stage 1 (--stage sft, the paper's instruction SFT): learns the tokenizer on the job's training
records (report / VQA / grounding instructions of the cohort, split by patient) and trains the
vision-language model with the answer-only loss. DIR (default <run>/cli/train-sft) receives
checkpoint.bin (weights, optimizer state, tokenizer, config, RNG state), run.jsonl, config.json,
tokenizer.json. Stage 2, the cold start, runs in 'deepmedix run' and notebook 04.
${RUN_FLAG_HELP}
  --cohort DIR          train on this datasets directory ('deepmedix cohort --datasets --out DIR')
                        instead of the job's cohort
  --resume              continue the checkpoint in DIR
  --init DIR            start from the checkpoint in DIR (sft: its weights and tokenizer, fresh
                        optimizer; grpo: the cold-start model, default the job's stage 2)
  Hyper-parameters: --sft.epochs, --sft.batchSize, --sft.lr, ... ; architecture: --model.dModel, ...

${GRPO_USAGE}

${COMMON_FLAGS}`,
  flags: { values: ['out', 'stage', 'run', 'cohort', 'init'], booleans: ['resume', 'quiet'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const stage = stringFlag(args, 'stage');
    if (stage !== 'sft' && stage !== 'grpo') throw new UsageError(`--stage must be 'sft' or 'grpo' (got ${stage === undefined ? 'nothing' : `'${stage}'`}); stage 2 runs in 'deepmedix run' and notebook 04`);
    if (stage === 'sft' && args.flags.resume && args.flags.init) throw new UsageError('--resume continues the checkpoint in --out; --init starts a new one from another: give one of them');
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const quiet = Boolean(args.flags.quiet);
    const out = outputDir(args, jobRun(config, args).cli(`train-${stage}`));
    await initBackend();
    return stage === 'grpo' ? trainGrpo(config, args, out, quiet) : trainStage1(config, args, out, quiet);
  },
};
