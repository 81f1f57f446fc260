/**
 * The pipeline's data stage in one call: render the cohort, split it by patient, write the
 * instruction sets for training and validation and the XrayBench-shaped test set (adding the real
 * NIH images from ../shared when present). Everything lands in one directory; image paths in the
 * JSONL files are relative to it (cohort images) or absolute (shared real images).
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import { writeJson, writeJsonl } from '../util/fsx.js';
import { sharedPath } from '../util/paths.js';
import { buildBenchmark, type BenchmarkSources, type SplitSummary } from './benchmark.js';
import { buildCohort } from './cohort.js';
import { buildInstructions } from './instructions.js';
import { loadNih } from './loaders/nih.js';
import { leakedPatients, splitByPatient } from './split.js';
import type { InstructionRecord, Study } from './types.js';

export interface PreparedData {
  dir: string;
  studies: Study[];
  splits: { train: Study[]; val: Study[]; test: Study[] };
  train: InstructionRecord[];
  val: InstructionRecord[];
  benchmark: InstructionRecord[];
  summary: SplitSummary[];
}

export interface PrepareOptions {
  quiet?: boolean;
  /** Use the shared NIH images in the VQA splits when present (default true). */
  useShared?: boolean;
  concurrency?: number;
}

/** Build everything into `dir`: the cohort files plus splits.json, instructions-{train,val}.jsonl, xraybench.jsonl, xraybench-summary.json. */
export async function prepareDatasets(config: Config, dir: string, opts: PrepareOptions = {}): Promise<PreparedData> {
  const { studies } = await buildCohort(dir, {
    n: config.cohort.n,
    seed: config.seed,
    frame: config.cohort.frame,
    normalFraction: config.cohort.normalFraction,
    quiet: opts.quiet,
    concurrency: opts.concurrency,
  });
  const splits = splitByPatient(studies, { seed: config.seed, test: config.benchmark.testStudies, val: config.benchmark.valStudies });
  const leaked = leakedPatients(splits);
  if (leaked.length) throw new Error(`patient split leaks ${leaked.length} patients (${leaked.slice(0, 3).join(', ')})`);
  const vqaPerStudy = config.benchmark.vqaPerStudy;
  const train = buildInstructions(splits.train, { seed: config.seed, vqaPerStudy });
  const val = buildInstructions(splits.val, { seed: config.seed + 1, vqaPerStudy });
  const sources: BenchmarkSources = { cohort: { studies: splits.test, root: '' } };
  const nihRoot = opts.useShared === false ? null : sharedPath('data', 'nih-cxr');
  if (nihRoot) sources.nih = { studies: loadNih(nihRoot).items, root: nihRoot };
  const { records, summary } = buildBenchmark(sources, { seed: config.seed, total: config.benchmark.total, vqaShare: config.benchmark.vqaShare });
  writeJson(join(dir, 'splits.json'), {
    seed: config.seed,
    patients: Object.fromEntries((['train', 'val', 'test'] as const).map((k) => [k, [...new Set(splits[k].map((s) => s.patientId))]])),
    studies: Object.fromEntries((['train', 'val', 'test'] as const).map((k) => [k, splits[k].map((s) => s.id)])),
  });
  writeJsonl(join(dir, 'instructions-train.jsonl'), train);
  writeJsonl(join(dir, 'instructions-val.jsonl'), val);
  writeJsonl(join(dir, 'xraybench.jsonl'), records);
  writeJson(join(dir, 'xraybench-summary.json'), summary);
  return { dir, studies, splits, train, val, benchmark: records, summary };
}
