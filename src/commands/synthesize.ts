/** `deepmedix synthesize`: grounded reasoning synthesis + filter -> the stage-2 cold-start set. */
import { join, resolve } from 'node:path';
import { resolveConfig } from '../config.js';
import { stage1Data } from '../job/stage1data.js';
import type { InstructionRecord } from '../data/types.js';
import { filterTableMarkdown } from '../reasoning/filter.js';
import { readJsonl } from '../util/fsx.js';
import { numberFlag, parseArgs, requireFlag, stringFlag, UsageError } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';
import { runSynthesisStage } from '../reasoning/synthesis.js';

export const command: Command = {
  name: 'synthesize',
  summary: 'synthesize grounded <think> reasoning (offline or an LLM), filter it, write the cold-start set',
  usage: `Usage: deepmedix synthesize --cohort DIR [--records FILE] [--out DIR] [--n N] [--simulated-errors RATE] [--quiet]

Writes to OUT (default: data/synthesis-<profile>): samples.jsonl (resumable: a rerun only does what
is missing), verdicts.jsonl, filter-table.md/json, coldstart.jsonl (kept items: prompt + format
instruction -> reasoning response), synthesis-summary.json, and llm-cache.jsonl for an LLM.
  --cohort DIR          a cohort directory (studies.jsonl + images/)
  --records FILE        instruction records to draw from (default: built from the cohort's
                        training split, patients split as config.benchmark.testStudies/valStudies)
  --n N                 items to synthesize (default: config.coldstart.samples)
  --simulated-errors R  corrupt a fraction R of responses with simulated teacher errors (to
                        exercise the filter; offline default 0)

Provider: --synthesis.provider=offline (default, ground-truth writer) or openai (any
OpenAI-compatible endpoint: --synthesis.baseUrl, --synthesis.model; key from DEEPMEDIX_API_KEY
or OPENAI_API_KEY). Images go to a non-local endpoint only with --synthesis.allowExternalImages=true:
credentialed datasets such as MIMIC-CXR forbid sharing images with third parties.

${COMMON_FLAGS}`,
  async run(argv) {
    const args = parseArgs(argv, ['quiet']);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const cohort = resolve(requireFlag(args, 'cohort'));
    const out = stringFlag(args, 'out') ?? join(config.paths.data, `synthesis-${config.profile}`);
    const rate = numberFlag(args, 'simulated-errors', 0)!;
    if (!(rate >= 0 && rate <= 1)) throw new UsageError(`--simulated-errors must be in [0, 1], got ${rate}`);
    // The stage-1 split (by patient, config.benchmark sizes): synthesis draws from its training part.
    const data = await stage1Data(config, cohort);
    const studies = [...data.studies.train, ...data.studies.val, ...data.studies.test];
    const recordsPath = stringFlag(args, 'records');
    const records: InstructionRecord[] = recordsPath ? readJsonl<InstructionRecord>(recordsPath) : data.train;
    const res = await runSynthesisStage(config, {
      records,
      studies,
      imageRoot: cohort,
      outDir: out,
      simulatedErrorRate: rate,
      n: numberFlag(args, 'n'),
      quiet: Boolean(args.flags.quiet),
    });
    console.log(`${res.synthesizer.name}: ${res.samples.length} responses (${res.resumed} resumed), kept ${res.table.kept}`);
    console.log(filterTableMarkdown(res.table));
    console.log(`cold-start set: ${join(out, 'coldstart.jsonl')}`);
    return 0;
  },
};
