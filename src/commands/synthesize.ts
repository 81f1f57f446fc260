/** `deepmedix synthesize`: grounded reasoning synthesis + filter -> the stage-2 cold-start set. */
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { chatClientFromConfig, type ChatModel, type ChatRequest, type ChatResult } from '../llm/client.js';
import { readInstructionRecords } from '../data/records.js';
import { filterTableMarkdown } from '../reasoning/filter.js';
import { runSynthesisStage } from '../reasoning/synthesis.js';
import { checkOutputDir, countFlag, numberFlag, parseArgs, stringFlag } from './args.js';
import { commandDatasets, jobRun, RUN_FLAG_HELP } from './job-data.js';
import { COMMON_FLAGS, type Command } from './types.js';

/**
 * A chat model that stops asking once its first `limit` requests have all failed the same way (an
 * endpoint that refuses every connection): later requests fail at once with that error, so a dead
 * endpoint costs seconds, not one timeout-and-retries per item.
 */
export class FailFastChat implements ChatModel {
  private succeeded = 0;
  private readonly errors: string[] = [];
  /** The error every request now fails with, once tripped. */
  tripped: string | null = null;
  constructor(
    private readonly inner: ChatModel,
    private readonly limit = 3,
  ) {}

  async chat(req: ChatRequest): Promise<ChatResult> {
    if (this.tripped) throw new Error(this.tripped);
    try {
      const r = await this.inner.chat(req);
      this.succeeded++;
      return r;
    } catch (e) {
      const message = (e as Error).message;
      if (this.succeeded === 0) {
        this.errors.push(message);
        if (this.errors.length >= this.limit && new Set(this.errors).size === 1) this.tripped = `stopped asking after the first ${this.errors.length} requests all failed: ${message}`;
      }
      throw e;
    }
  }
}

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
    checkOutputDir(out, '--out', ['coldstart.jsonl']);
    const rate = numberFlag(args, 'simulated-errors', 0, { min: 0, max: 1 })!;
    const n = countFlag(args, 'n');
    const quiet = Boolean(args.flags.quiet);
    const data = await commandDatasets(config, args, { quiet });
    const recordsPath = stringFlag(args, 'records');
    const records = recordsPath ? readInstructionRecords(recordsPath) : data.train;
    const s = config.synthesis;
    const chat = s.provider === 'openai' || s.judge ? new FailFastChat(chatClientFromConfig(config, join(out, 'llm-cache.jsonl')), Math.max(3, s.concurrency)) : undefined;
    const res = await runSynthesisStage(config, { records, studies: data.studies, imageRoot: data.dir, outDir: out, simulatedErrorRate: rate, n, quiet, chat });
    const failed = res.samples.filter((x) => x.error);
    const fresh = res.samples.length - res.resumed;
    if (failed.length && failed.length >= fresh) {
      throw new Error(`${res.synthesizer.name}: all ${failed.length} requests failed, nothing was synthesized (${chat?.tripped ?? failed[0].error}). Check --synthesis.baseUrl ${s.baseUrl} and --synthesis.model ${s.model}; a rerun retries them.`);
    }
    console.log(`${res.synthesizer.name}: ${res.samples.length} responses (${res.resumed} resumed), kept ${res.table.kept}`);
    console.log(filterTableMarkdown(res.table));
    console.log(`cold-start set: ${join(out, 'coldstart.jsonl')}`);
    if (failed.length) {
      console.error(`${failed.length} of ${res.samples.length} requests failed (first: ${failed[0].error}); they count as dropped above. A rerun retries only those.`);
      return 1;
    }
    return 0;
  },
};
