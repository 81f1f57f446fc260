/**
 * An XrayBench-shaped test set: four report-generation splits (MIMIC-CXR findings and impression,
 * Open-I findings and impression) and two VQA splits (Ext-VQA style, CXR-VQA style). Each split is
 * filled from a real source when one is given (MIMIC-CXR test studies, Open-I studies with images,
 * the Ext-VQA and CXR-VQA test items) and otherwise from held-out synthetic studies, which then
 * stand in for that split (the records' `source` says which it is). Real NIH images, when given,
 * contribute part of the synthetic VQA splits.
 */
import { Rng } from '../util/rng.js';
import { buildInstructions, buildVqa } from './instructions.js';
import type { InstructionRecord, Study } from './types.js';

export const XRAYBENCH_SPLITS = ['mimic_findings', 'mimic_impression', 'openi_findings', 'openi_impression', 'ext_vqa', 'cxr_vqa'] as const;
export type XrayBenchSplit = (typeof XRAYBENCH_SPLITS)[number];

/** Sizes of the four report splits relative to each other in the paper (Table 1's weighted average). */
export const PAPER_REPORT_WEIGHTS = { mimic_findings: 0.419, mimic_impression: 0.424, openi_findings: 0.072, openi_impression: 0.085 } as const;

export interface StudySource {
  studies: readonly Study[];
  /** Directory the studies' image paths are relative to; joined into the records' image paths. */
  root: string;
}

export interface RecordSource {
  records: readonly InstructionRecord[];
  root: string;
}

export interface BenchmarkSources {
  /** Held-out synthetic studies (the test split of the cohort). */
  cohort?: StudySource;
  /** Real MIMIC-CXR test studies (with reports). */
  mimic?: StudySource;
  /** Real Open-I studies whose images exist. */
  openi?: StudySource;
  extVqa?: RecordSource;
  cxrVqa?: RecordSource;
  /** Real NIH images: part of the VQA splits when the real VQA sets are absent. */
  nih?: StudySource;
}

export interface BenchmarkOptions {
  seed: number;
  /** Total items over the six splits; ignored for splits given in `sizes`. */
  total: number;
  /** Fraction of `total` that is VQA (split evenly between the two VQA splits). The reference numbers give no per-split VQA sizes: 0.5 is our assumption. */
  vqaShare?: number;
  /** Explicit sizes per split (override the proportions). */
  sizes?: Partial<Record<XrayBenchSplit, number>>;
  /** Fraction of each synthetic VQA split drawn from NIH studies when given (default 0.25). */
  nihShare?: number;
  /** Grounded questions in the synthetic VQA splits (InstructionOptions.groundedVqa; default false). */
  groundedVqa?: boolean;
}

export interface SplitSummary {
  split: XrayBenchSplit;
  requested: number;
  built: number;
  sources: Record<string, number>;
}

/** Requested size of each split from the total and the paper's report proportions. */
export function benchmarkSizes(opts: BenchmarkOptions): Record<XrayBenchSplit, number> {
  const vqaShare = opts.vqaShare ?? 0.5;
  const report = opts.total * (1 - vqaShare);
  const out = {} as Record<XrayBenchSplit, number>;
  const w = PAPER_REPORT_WEIGHTS;
  const wsum = w.mimic_findings + w.mimic_impression + w.openi_findings + w.openi_impression;
  for (const k of Object.keys(w) as (keyof typeof w)[]) out[k] = Math.round((report * w[k]) / wsum);
  out.ext_vqa = Math.round((opts.total * vqaShare) / 2);
  out.cxr_vqa = Math.round((opts.total * vqaShare) / 2);
  return { ...out, ...opts.sizes };
}

/** Prefix image paths with the source root ('' or '.' keeps them as they are). */
const withRoot = (root: string, r: InstructionRecord): InstructionRecord =>
  root === '' || root === '.' ? r : { ...r, images: r.images.map((p) => (p.startsWith('/') ? p : `${root.replace(/\/$/, '')}/${p}`)) };

function take<T>(rng: Rng, items: readonly T[], n: number): T[] {
  return rng.shuffle(items).slice(0, Math.max(0, n));
}

/**
 * Assemble the benchmark. Synthetic studies are divided between the MIMIC-style and the Open-I-style
 * report splits (disjoint studies, in the paper's proportions); findings and impression splits of one
 * dataset share studies, as in the paper. VQA items come from all synthetic test studies.
 */
export function buildBenchmark(sources: BenchmarkSources, opts: BenchmarkOptions): { records: InstructionRecord[]; summary: SplitSummary[] } {
  const sizes = benchmarkSizes(opts);
  const rng = Rng.derive(opts.seed, 'xraybench');
  const synth = sources.cohort ? rng.shuffle(sources.cohort.studies) : [];
  const mimicW = PAPER_REPORT_WEIGHTS.mimic_findings + PAPER_REPORT_WEIGHTS.mimic_impression;
  const cut = Math.round((synth.length * mimicW) / (mimicW + PAPER_REPORT_WEIGHTS.openi_findings + PAPER_REPORT_WEIGHTS.openi_impression));
  const pools: Record<'mimic' | 'openi', StudySource | undefined> = {
    mimic: sources.mimic ?? (sources.cohort ? { studies: synth.slice(0, cut), root: sources.cohort.root } : undefined),
    openi: sources.openi ?? (sources.cohort ? { studies: synth.slice(cut), root: sources.cohort.root } : undefined),
  };
  const records: InstructionRecord[] = [];
  const summary: SplitSummary[] = [];
  const add = (split: XrayBenchSplit, recs: InstructionRecord[]) => {
    const sources: Record<string, number> = {};
    for (const r of recs) {
      sources[r.source] = (sources[r.source] ?? 0) + 1;
      records.push({ ...r, split });
    }
    summary.push({ split, requested: sizes[split], built: recs.length, sources });
  };
  for (const ds of ['mimic', 'openi'] as const) {
    const pool = pools[ds];
    for (const section of ['findings', 'impression'] as const) {
      const split = `${ds}_${section}` as XrayBenchSplit;
      if (!pool) {
        add(split, []);
        continue;
      }
      const task = section === 'findings' ? 'report-findings' : 'report-impression';
      const recs = buildInstructions(pool.studies, { seed: opts.seed, tasks: [task] }).map((r) => withRoot(pool.root, r));
      add(split, take(Rng.derive(opts.seed, split), recs, sizes[split]));
    }
  }
  for (const [split, set, real] of [
    ['ext_vqa', 'ext-vqa', sources.extVqa],
    ['cxr_vqa', 'cxr-vqa', sources.cxrVqa],
  ] as const) {
    const srng = Rng.derive(opts.seed, split);
    if (real) {
      add(split, take(srng, real.records.filter((r) => r.task === 'vqa').map((r) => withRoot(real.root, r)), sizes[split]));
      continue;
    }
    const n = sizes[split];
    const nNih = sources.nih ? Math.min(Math.round(n * (opts.nihShare ?? 0.25)), sources.nih.studies.length) : 0;
    const out: InstructionRecord[] = [];
    const fromStudies = (src: StudySource, want: number) => {
      // One item per study first, then a second round, … until the split is full or the pool is dry.
      const studies = srng.shuffle(src.studies);
      for (let round = 0; round < 4 && out.length < want; round++) {
        for (const s of studies) {
          if (out.length >= want) break;
          const items = buildVqa(s, set, round + 1, Rng.derive(opts.seed, `${split}:${s.id}`), { seed: opts.seed, groundedVqa: opts.groundedVqa });
          if (items[round]) out.push(withRoot(src.root, items[round]));
        }
      }
    };
    if (sources.nih && nNih) fromStudies(sources.nih, nNih);
    if (sources.cohort) fromStudies(sources.cohort, n);
    add(split, out);
  }
  return { records, summary };
}
