/**
 * The stage-1 instruction data of a cohort: studies split by patient (test and validation sizes
 * from config.benchmark), then instruction records (reports, VQA, grounding) built per split.
 * Image paths stay relative to the cohort directory, which is the image root.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.js';
import { buildCohort, readStudies } from '../data/cohort.js';
import { buildInstructions } from '../data/instructions.js';
import { splitByPatient } from '../data/split.js';
import type { InstructionRecord, Study } from '../data/types.js';
import { readJsonl } from '../util/fsx.js';
import { UsageError } from '../commands/args.js';

export interface Stage1Data {
  cohortDir: string;
  train: InstructionRecord[];
  val: InstructionRecord[];
  test: InstructionRecord[];
  studies: { train: Study[]; val: Study[]; test: Study[] };
}

/** The default cohort directory of a profile. */
export function defaultCohortDir(config: Config): string {
  return join(config.paths.data, `cohort-${config.profile}`);
}

/** Read (or, when absent and `build` is set, render) the cohort and build the split records. */
export async function stage1Data(config: Config, cohortDir = defaultCohortDir(config), opts: { build?: boolean; quiet?: boolean } = {}): Promise<Stage1Data> {
  if (!existsSync(join(cohortDir, 'studies.jsonl'))) {
    if (!opts.build) throw new Error(`no cohort in ${cohortDir} (run 'deepmedix cohort --profile ${config.profile}' first)`);
    await buildCohort(cohortDir, { n: config.cohort.n, seed: config.seed, frame: config.cohort.frame, normalFraction: config.cohort.normalFraction, quiet: opts.quiet });
  }
  const { studies } = readStudies(cohortDir);
  if (studies.length === 0) throw new Error(`${cohortDir}/studies.jsonl: no studies`);
  const split = splitByPatient(studies, { seed: config.seed, test: config.benchmark.testStudies, val: config.benchmark.valStudies });
  const build = (s: Study[]) => buildInstructions(s, { seed: config.seed, vqaPerStudy: config.benchmark.vqaPerStudy });
  return { cohortDir, train: build(split.train), val: build(split.val), test: build(split.test), studies: split };
}

export interface BenchmarkRecords {
  records: InstructionRecord[];
  /** Directory the records' image paths are relative to. */
  imageRoot: string;
  /** The cohort's training records when the benchmark is a cohort split (for the constant baseline). */
  train: InstructionRecord[] | null;
}

/**
 * A benchmark named on the command line: a JSONL file of instruction records (images relative to
 * `images`, else to the file's directory), or 'test' / 'val' of the cohort's patient split; the
 * first `limit` records when given. No records is an error.
 */
export async function benchmarkRecords(bench: string, o: { images?: string; cohort?: string; limit?: number; config: () => Config }): Promise<BenchmarkRecords> {
  let found: BenchmarkRecords;
  if (existsSync(bench) && statSync(bench).isFile()) {
    found = { records: readJsonl<InstructionRecord>(bench), imageRoot: o.images ?? dirname(bench), train: null };
  } else if (bench === 'test' || bench === 'val') {
    const data = await stage1Data(o.config(), o.cohort);
    found = { records: data[bench], imageRoot: data.cohortDir, train: data.train };
  } else throw new UsageError(`--benchmark '${bench}' is neither a JSONL file nor 'test' / 'val'`);
  if (o.limit !== undefined) found.records = found.records.slice(0, o.limit);
  if (!found.records.length) throw new Error(`benchmark ${bench}: no records`);
  return found;
}
