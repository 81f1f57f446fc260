/** `deepmedix predict`: greedy predictions of a checkpoint (or an endpoint) on a benchmark -> `{"id","text"}` JSONL. */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { initBackend } from '../backend.js';
import { boxGrammarOf, resolveConfig } from '../config.js';
import type { InstructionRecord } from '../data/types.js';
import { constantBaseline, instructionScoresTable, scoreInstructions, shuffleImages, type InstructionScores } from '../eval/instruction-scores.js';
import { predictRecords, type Prediction } from '../eval/predict.js';
import { loadModel, readCheckpoint } from '../model/checkpoint.js';
import { atomicWrite, writeJson, writeJsonl } from '../util/fsx.js';
import { checkOutputFile, countFlag, numberFlag, parseArgs, requireFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';
import { namedBenchmark, RUN_FLAG_HELP } from './job-data.js';
import { endpointPredictions, ENDPOINT_USAGE } from './predict-endpoint.js';
import { COMMON_FLAGS, type Command } from './types.js';

/** Checked before any work: the output must be a file path (not a directory); replacing a file is said. */
function checkOutput(out: string): void {
  if (!out.endsWith('.jsonl')) throw new UsageError(`--out ${out}: name a .jsonl file`);
  checkOutputFile(out, '--out', '.jsonl file');
}

async function checkpointPredictions(args: ParsedArgs, records: readonly InstructionRecord[], imageRoot: string): Promise<{ name: string; predictions: Prediction[] }> {
  const dir = requireFlag(args, 'checkpoint');
  await initBackend();
  const { model, tokenizer, checkpoint } = loadModel(dir);
  try {
    const predictions = await predictRecords(model, tokenizer, records, {
      imageRoot,
      batchSize: countFlag(args, 'batch', 16),
      maxNewTokens: countFlag(args, 'max-new-tokens'),
      quiet: Boolean(args.flags.quiet),
      // A checkpoint from before the option existed decodes as the defaults say.
      boxGrammar: boxGrammarOf(checkpoint.header.config),
    });
    return { name: basename(dir), predictions };
  } finally {
    model.dispose();
  }
}

/** Score the predictions (and a constant baseline from the job's training split) into PRED.metrics.{json,md}. */
function writeScores(out: string, bench: string, name: string, records: readonly InstructionRecord[], preds: readonly Prediction[], train: InstructionRecord[] | null): void {
  const systems: Record<string, InstructionScores> = { [name]: scoreInstructions(records, new Map(preds.map((p) => [p.id, p.text]))) };
  if (train) systems['constant baseline'] = scoreInstructions(records, constantBaseline(train, records));
  const table = instructionScoresTable(systems);
  const stem = out.replace(/\.jsonl$/, '');
  writeJson(`${stem}.metrics.json`, { benchmark: bench, model: name, n: records.length, systems });
  atomicWrite(`${stem}.metrics.md`, table + '\n');
  console.log(table);
}

export const command: Command = {
  name: 'predict',
  summary: 'greedy predictions of a checkpoint on a benchmark ({"id","text"} JSONL)',
  usage: `Usage: deepmedix predict --checkpoint DIR --benchmark BENCH --out PRED.jsonl [--images DIR] [--limit N] [--batch N] [--max-new-tokens N]

BENCH is a JSONL file of instruction records (image paths absolute or relative to --images, default
the file's directory), or 'test' (the main job's XrayBench-shaped benchmark) / 'val' (the job's
validation instructions), from the job's cohort (built by its cohort step when missing).
${RUN_FLAG_HELP}
  --cohort DIR         a datasets directory ('deepmedix cohort --datasets') instead of the job's
  --limit N            first N records only
  --batch N            prompts decoded together (default 16)
  --max-new-tokens N   cap on generated tokens (default: the model's context)
  --metrics            also score the predictions (Table-1 report metrics, VQA accuracy, grounding
                       IoU) and, for 'test' / 'val', a constant baseline built from the training
                       split; writes PRED.metrics.json and PRED.metrics.md
  --shuffle-images S   control run: permute the images among the records (seed S) before predicting
  --quiet              no progress bar

${ENDPOINT_USAGE}

${COMMON_FLAGS}`,
  flags: {
    values: ['out', 'checkpoint', 'endpoint', 'model', 'benchmark', 'images', 'run', 'cohort', 'limit', 'batch', 'max-new-tokens', 'shuffle-images', 'concurrency', 'temperature', 'timeout'],
    booleans: ['quiet', 'metrics', 'allow-external-images'],
  },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    if (args.flags.endpoint === undefined && args.flags.checkpoint === undefined) throw new UsageError('missing --checkpoint DIR (or --endpoint URL)');
    const bench = requireFlag(args, 'benchmark');
    const out = requireFlag(args, 'out');
    checkOutput(out);
    const limit = countFlag(args, 'limit');
    // Every size and count flag is checked here, before a checkpoint or benchmark is read.
    for (const f of ['batch', 'max-new-tokens', 'concurrency']) countFlag(args, f);
    numberFlag(args, 'timeout', undefined, { min: 1 });
    numberFlag(args, 'temperature', undefined, { min: 0 });
    const shuffleSeed = numberFlag(args, 'shuffle-images', undefined, { integer: true });
    // 'test' / 'val' come from the job of the checkpoint's profile unless --profile names another.
    const ckProfile = args.flags.checkpoint ? readCheckpoint(requireFlag(args, 'checkpoint')).header.config?.profile : undefined;
    const config = resolveConfig(stringFlag(args, 'profile') ?? ckProfile ?? 'default', args.overrides);
    const { records, imageRoot, train } = await namedBenchmark(bench, config, args, { limit, quiet: Boolean(args.flags.quiet) });
    const inputs = shuffleSeed === undefined ? records : shuffleImages(records, shuffleSeed);
    const replaced = existsSync(out) && args.flags.endpoint === undefined;
    const r = args.flags.endpoint !== undefined ? await endpointPredictions(args, inputs, imageRoot, out) : await checkpointPredictions(args, inputs, imageRoot);
    if (args.flags.endpoint === undefined) writeJsonl(out, r.predictions);
    console.log(`wrote ${r.predictions.length} predictions of ${r.name} to ${out}${replaced ? ' (replacing the file that was there)' : ''}`);
    if (args.flags.metrics) writeScores(out, bench, r.name + (shuffleSeed === undefined ? '' : ' (shuffled images)'), records, r.predictions, train);
    return 0;
  },
};
