/**
 * What commands read from the main job: its run layout (--run DIR, default data/runs/<profile>),
 * its cohort with the datasets (built through the job's own cohort step when missing, so a later
 * `npm start` reuses it), and a benchmark named on the command line.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config.js';
import { readDatasets, type DatasetFiles } from '../data/prepare.js';
import { readInstructionRecords } from '../data/records.js';
import type { InstructionRecord } from '../data/types.js';
import { runJobSteps } from '../job/main.js';
import { runLayout, type RunLayout } from '../run-layout.js';
import { stringFlag, UsageError, type ParsedArgs } from './args.js';

export const RUN_FLAG_HELP = `  --run DIR             the main job's run directory to read its cohort and checkpoints from
                        (default data/runs/<profile>, where 'deepmedix run' writes)`;

/** The layout of the job run a command reads (--run DIR, else the profile's). */
export function jobRun(config: Config, args: ParsedArgs): RunLayout {
  return runLayout(config, stringFlag(args, 'run'));
}

/**
 * The datasets a command works on: `--cohort DIR` (a directory 'deepmedix cohort --datasets' or
 * the job wrote) when given, else the job's cohort, which is built by the job's cohort step when
 * the run has none yet (and says so).
 */
export async function commandDatasets(config: Config, args: ParsedArgs, o: { quiet?: boolean } = {}): Promise<DatasetFiles> {
  const cohort = stringFlag(args, 'cohort');
  if (cohort) {
    if (!existsSync(cohort)) throw new UsageError(`--cohort ${cohort} does not exist`);
    return readDatasets(cohort);
  }
  const layout = jobRun(config, args);
  if (!existsSync(layout.benchmark)) console.log(`no cohort in ${layout.cohort} yet: building it with the job's cohort step`);
  await runJobSteps(config, { runDir: layout.root, until: 'cohort', quiet: o.quiet, log: () => {} });
  return readDatasets(layout.cohort);
}

export interface NamedBenchmark {
  records: InstructionRecord[];
  /** Directory the records' relative image paths are under. */
  imageRoot: string;
  /** The job's training records when the benchmark is the job's (for the constant baseline). */
  train: InstructionRecord[] | null;
}

/**
 * `--benchmark BENCH`: a JSONL file of instruction records (images relative to --images, else to the
 * file's directory), or `test` (the job's XrayBench-shaped benchmark) / `val` (the job's validation
 * instructions); the first `limit` records when a limit is given.
 */
export async function namedBenchmark(bench: string, config: Config, args: ParsedArgs, o: { limit?: number; quiet?: boolean } = {}): Promise<NamedBenchmark> {
  let found: NamedBenchmark;
  if (existsSync(bench) && statSync(bench).isFile()) {
    found = { records: readInstructionRecords(bench), imageRoot: stringFlag(args, 'images') ?? dirname(bench), train: null };
  } else if (bench === 'test' || bench === 'val') {
    const data = await commandDatasets(config, args, o);
    found = { records: bench === 'test' ? data.benchmark : data.val, imageRoot: data.dir, train: data.train };
  } else throw new UsageError(`--benchmark '${bench}' is neither a JSONL file nor 'test' (the job's benchmark) / 'val'`);
  if (o.limit !== undefined) found.records = found.records.slice(0, o.limit);
  if (!found.records.length) throw new Error(`benchmark ${bench}: no records`);
  return found;
}
