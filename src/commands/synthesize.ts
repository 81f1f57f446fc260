/** `deepmedix synthesize`: grounded reasoning synthesis + filter -> the stage-2 cold-start set. */
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { readInstructionRecords } from '../data/records.js';
import { filterTableMarkdown } from '../reasoning/filter.js';
import { runSynthesisStage } from '../reasoning/synthesis.js';
import { countFlag, numberFlag, parseArgs, stringFlag } from './args.js';
import { commandDatasets, jobRun, RUN_FLAG_HELP } from './job-data.js';
import { COMMON_FLAGS, type Command } from './types.js';

export const command: Command = {
  name: 'synthesize',
  summary: 'synthesize grounded <think> reasoning (offline or an LLM), filter it, write the cold-start set',
  usage: `Usage: deepmedix synthesize [--run DIR | --cohort DIR] [--records FILE] [--out DIR] [--n N] [--simulated-errors RATE] [--quiet]

Writes to OUT (default: <run>/cli/synthesize): samples.jsonl (resumable: a rerun only does what
is missing), verdicts.jsonl, filter-table.md/json, coldstart.jsonl (kept items: prompt + format
instruction -> reasoning response), synthesis-summary.json, and llm-cache.jsonl for an LLM.
${RUN_FLAG_HELP}
  --cohort DIR          a datasets directory ('deepmedix cohort --datasets') instead of the job's
  --records FILE        instruction records to draw from (default: the training split)
  --n N                 items to synthesize (default: config.coldstart.samples)
  --simulated-errors R  corrupt a fraction R of responses with simulated teacher errors (to
                        exercise the filter; offline default 0)

Provider: --synthesis.provider=offline (default, ground-truth writer) or openai (any
OpenAI-compatible endpoint: --synthesis.baseUrl, --synthesis.model; key from DEEPMEDIX_API_KEY
or OPENAI_API_KEY). Images go to a non-local endpoint only with --synthesis.allowExternalImages=true:
credentialed datasets such as MIMIC-CXR forbid sharing images with third parties.

${COMMON_FLAGS}`,
  flags: { values: ['out', 'run', 'cohort', 'records', 'n', 'simulated-errors'], booleans: ['quiet'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const out = stringFlag(args, 'out') ?? jobRun(config, args).cli('synthesize');
    const rate = numberFlag(args, 'simulated-errors', 0, { min: 0, max: 1 })!;
    const n = countFlag(args, 'n');
    const quiet = Boolean(args.flags.quiet);
    const data = await commandDatasets(config, args, { quiet });
    const recordsPath = stringFlag(args, 'records');
    const records = recordsPath ? readInstructionRecords(recordsPath) : data.train;
    const res = await runSynthesisStage(config, { records, studies: data.studies, imageRoot: data.dir, outDir: out, simulatedErrorRate: rate, n, quiet });
    console.log(`${res.synthesizer.name}: ${res.samples.length} responses (${res.resumed} resumed), kept ${res.table.kept}`);
    console.log(filterTableMarkdown(res.table));
    console.log(`cold-start set: ${join(out, 'coldstart.jsonl')}`);
    return 0;
  },
};
