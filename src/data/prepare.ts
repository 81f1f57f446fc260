/**
 * The pipeline's data stage in one call: render the cohort, split it by patient, write the
 * instruction sets for training and validation and the XrayBench-shaped test set (adding the real
 * NIH images from ../shared when present). Everything lands in one directory; image paths in the
 * JSONL files are relative to it (cohort images) or absolute (shared real images).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { readJsonl, writeJson, writeJsonl } from '../util/fsx.js';
import { sharedPath } from '../util/paths.js';
import { buildBenchmark, type BenchmarkSources, type SplitSummary } from './benchmark.js';
import { buildCohort, readStudies } from './cohort.js';
import { buildInstructions } from './instructions.js';
import { loadNih } from './loaders/nih.js';
import { loadMimicCxr } from './loaders/mimic.js';
import { loadOpenIKaggle, loadR2GenSplit, openIToStudies } from './loaders/openi.js';
import { loadCxrVqa, loadExtVqa } from './loaders/vqa-sets.js';
import type { Skipped } from './loaders/common.js';
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
  /** Rows of real sources skipped under `lenient`. */
  skipped: Skipped[];
}

/** Real datasets a user has; each, when given, takes its XrayBench split(s). */
export interface RealSources {
  /** MIMIC-CXR-JPG root (metadata/split/chexpert CSVs, files/…); its test studies fill the MIMIC report splits. */
  mimic?: string;
  /** Where the MIMIC-CXR report .txt files are (default: the MIMIC root). */
  mimicReports?: string;
  /** Open-I root with the Kaggle CSVs and images/ (the PNGs); R2Gen's test split when r2gen_annotation.json is there. */
  openi?: string;
  /** MIMIC-Ext-MIMIC-CXR-VQA JSON (test items) and Medical-CXR-VQA CSV; images under the MIMIC root. */
  extVqa?: string;
  cxrVqa?: string;
}

export interface PrepareOptions {
  quiet?: boolean;
  real?: RealSources;
  /** Skip (and count) bad rows of real sources instead of stopping. */
  lenient?: boolean;
  /** Use the shared NIH images in the VQA splits when present (default true). */
  useShared?: boolean;
  concurrency?: number;
}

/** The files `prepareDatasets` writes besides the cohort's own. */
export const DATASET_FILES = ['studies.jsonl', 'splits.json', 'instructions-train.jsonl', 'instructions-val.jsonl', 'xraybench.jsonl'] as const;

/** What a prepared dataset directory holds, read back: every study, the instruction splits and the benchmark. */
export interface DatasetFiles {
  dir: string;
  studies: Study[];
  train: InstructionRecord[];
  val: InstructionRecord[];
  benchmark: InstructionRecord[];
}

/** Read a directory `prepareDatasets` wrote; a missing file is an error naming it. */
export function readDatasets(dir: string): DatasetFiles {
  for (const f of DATASET_FILES) if (!existsSync(join(dir, f))) throw new Error(`${join(dir, f)} is missing: the cohort and its datasets were not (completely) built there`);
  return {
    dir,
    studies: readStudies(dir).studies,
    train: readJsonl<InstructionRecord>(join(dir, 'instructions-train.jsonl')),
    val: readJsonl<InstructionRecord>(join(dir, 'instructions-val.jsonl')),
    benchmark: readJsonl<InstructionRecord>(join(dir, 'xraybench.jsonl')),
  };
}

/** Build everything into `dir`: the cohort files plus splits.json, instructions-{train,val}.jsonl, xraybench.jsonl, xraybench-summary.json. */
export async function prepareDatasets(config: Config, dir: string, opts: PrepareOptions = {}): Promise<PreparedData> {
  // Everything is written into the cohort's temporary directory, which is renamed into place only
  // when complete: a half-built dataset directory never exists.
  let result: Omit<PreparedData, 'dir' | 'studies'> | null = null;
  const { studies } = await buildCohort(dir, {
    n: config.cohort.n,
    seed: config.seed,
    frame: config.cohort.frame,
    normalFraction: config.cohort.normalFraction,
    quiet: opts.quiet,
    concurrency: opts.concurrency,
    beforeCommit: (tmp, all) => {
      result = deriveDatasets(config, tmp, all, opts);
    },
  });
  if (!result) throw new Error('prepareDatasets: the datasets were not written');
  return { dir, studies, ...(result as Omit<PreparedData, 'dir' | 'studies'>) };
}

function deriveDatasets(config: Config, dir: string, studies: Study[], opts: PrepareOptions): Omit<PreparedData, 'dir' | 'studies'> {
  const splits = splitByPatient(studies, { seed: config.seed, test: config.benchmark.testStudies, val: config.benchmark.valStudies });
  const leaked = leakedPatients(splits);
  if (leaked.length) throw new Error(`patient split leaks ${leaked.length} patients (${leaked.slice(0, 3).join(', ')})`);
  const vqaPerStudy = config.benchmark.vqaPerStudy;
  const groundedVqa = config.cohort.groundedVqa;
  const train = buildInstructions(splits.train, { seed: config.seed, vqaPerStudy, groundedVqa });
  const val = buildInstructions(splits.val, { seed: config.seed + 1, vqaPerStudy, groundedVqa });
  const sources: BenchmarkSources = { cohort: { studies: splits.test, root: '' } };
  const nihRoot = opts.useShared === false ? null : sharedPath('data', 'nih-cxr');
  // NIH boxes rescaled to the cohort's frame (512: the paper's bound), so every test item shares one frame.
  if (nihRoot) sources.nih = { studies: loadNih(nihRoot, { scaleTo: config.cohort.frame }).items, root: nihRoot };
  const skipped = addRealSources(sources, opts.real ?? {}, opts.lenient);
  const { records, summary } = buildBenchmark(sources, { seed: config.seed, total: config.benchmark.total, vqaShare: config.benchmark.vqaShare, groundedVqa });
  writeJson(join(dir, 'splits.json'), {
    seed: config.seed,
    patients: Object.fromEntries((['train', 'val', 'test'] as const).map((k) => [k, [...new Set(splits[k].map((s) => s.patientId))]])),
    studies: Object.fromEntries((['train', 'val', 'test'] as const).map((k) => [k, splits[k].map((s) => s.id)])),
  });
  writeJsonl(join(dir, 'instructions-train.jsonl'), train);
  writeJsonl(join(dir, 'instructions-val.jsonl'), val);
  writeJsonl(join(dir, 'xraybench.jsonl'), records);
  writeJson(join(dir, 'xraybench-summary.json'), { splits: summary, skipped });
  return { splits, train, val, benchmark: records, summary, skipped };
}

/** Load the real sources that are given into the benchmark sources; returns the skipped rows. */
export function addRealSources(sources: BenchmarkSources, real: RealSources, lenient?: boolean): Skipped[] {
  const skipped: Skipped[] = [];
  if (real.mimic) {
    const m = loadMimicCxr(real.mimic, { splits: ['test'], reportsRoot: real.mimicReports, lenient });
    skipped.push(...m.skipped);
    sources.mimic = { studies: m.items.filter((s) => s.findings || s.impression), root: real.mimic };
  }
  if (real.openi) {
    const k = loadOpenIKaggle(join(real.openi, 'indiana_reports.csv'), join(real.openi, 'indiana_projections.csv'), { lenient });
    skipped.push(...k.skipped);
    const splitFile = join(real.openi, 'r2gen_annotation.json');
    const split = existsSync(splitFile) ? loadR2GenSplit(splitFile) : null;
    const studies = openIToStudies(k.items).filter((s) => (!split || split.get(s.id.replace('openi-', '')) === 'test') && existsSync(join(real.openi!, s.image)));
    sources.openi = { studies, root: real.openi };
  }
  if (real.extVqa || real.cxrVqa) {
    if (!real.mimic) throw new Error('the VQA sets use MIMIC-CXR images: give the MIMIC-CXR-JPG root too');
    if (real.extVqa) {
      const e = loadExtVqa(real.extVqa, { imagesRoot: real.mimic, splits: ['test'], lenient });
      skipped.push(...e.skipped);
      sources.extVqa = { records: e.items, root: real.mimic };
    }
    if (real.cxrVqa) {
      const c = loadCxrVqa(real.cxrVqa, { imagesRoot: real.mimic, splits: ['test'], lenient });
      skipped.push(...c.skipped);
      sources.cxrVqa = { records: c.items, root: real.mimic };
    }
  }
  return skipped;
}
