/**
 * Scoring a study's runs: each run's start (its stage-2 model) and end (stage 3) are scored on the
 * same benchmark items from the job's greedy predictions, and every measure is a paired estimate
 * over items and seeds (src/eval/paired.ts) of stage 3 − start, and of the variant's stage 3 − the
 * base recipe's stage 3 at the same seed. Measures: VQA accuracy (`vqa`, pooled over the VQA
 * splits), the size-weighted report average (`report`, Table 1's weighted row), the share of
 * reasoning boxes on a true region (`boxMatch`), and every split's own score (a report split's
 * Average, a VQA split's accuracy).
 */
import { realpathSync } from 'node:fs';
import type { InstructionRecord, Study } from '../data/types.js';
import { outputGrounding } from '../eval/grounding.js';
import { evaluateRecords, headline } from '../eval/harness.js';
import { itemBlocks, pairedEstimate, type PairedEstimate } from '../eval/paired.js';
import type { MeasureValues, VariantResult } from '../eval/study-result.js';
import type { Prediction } from '../eval/predict.js';
import { readJsonl } from '../util/fsx.js';

export const STUDY_MEASURES = ['vqa', 'report', 'boxMatch'] as const;


/** Memoized measures of prediction files on the benchmark and on each leave-one-block-out subset. */
export class StudyScorer {
  private readonly cache = new Map<string, MeasureValues>();
  readonly blocks: number[][];
  private readonly blockOf: Int32Array;

  constructor(
    readonly records: readonly InstructionRecord[],
    private readonly studies: ReadonlyMap<string, Study>,
    private readonly bound: number,
    k = 20,
  ) {
    this.blocks = itemBlocks(records.length, k);
    this.blockOf = new Int32Array(records.length);
    this.blocks.forEach((b, j) => b.forEach((i) => (this.blockOf[i] = j)));
  }

  /** The measures of a predictions file on all items (leaveOut null) or all but one block. */
  measures(predictionsPath: string, leaveOut: number | null): MeasureValues {
    const key = `${realpathSync(predictionsPath)}#${leaveOut}`;
    let m = this.cache.get(key);
    if (!m) this.cache.set(key, (m = this.compute(this.predictions(predictionsPath), leaveOut)));
    return m;
  }

  private readonly preds = new Map<string, Map<string, Prediction>>();

  private predictions(path: string): Map<string, Prediction> {
    const real = realpathSync(path);
    let p = this.preds.get(real);
    if (!p) this.preds.set(real, (p = new Map(readJsonl<Prediction>(real).map((x) => [x.id, x]))));
    return p;
  }

  private compute(byId: Map<string, Prediction>, leaveOut: number | null): MeasureValues {
    const rows = this.records.filter((_, i) => leaveOut === null || this.blockOf[i] !== leaveOut);
    const preds = rows.map((r) => {
      const p = byId.get(r.id);
      if (!p) throw new Error(`study: no prediction for benchmark item ${r.id}`);
      return p;
    });
    const e = evaluateRecords(rows, preds);
    const h = headline(e);
    let boxes = 0;
    let matched = 0;
    rows.forEach((r, i) => {
      const g = outputGrounding(preds[i].text, r, this.studies.get(r.studyId), this.bound);
      boxes += g.boxes;
      matched += g.matched;
    });
    const out: MeasureValues = { vqa: h.vqaAccuracy, report: h.reportAverage, boxMatch: boxes ? matched / boxes : null };
    for (const [split, m] of Object.entries(e.report)) out[split] = m.Average;
    for (const [split, v] of Object.entries(e.vqa)) out[split] = v.overall;
    return out;
  }

  /** The measure names present (the three headline ones, then the splits). */
  measureNames(predictionsPath: string): string[] {
    return Object.keys(this.measures(predictionsPath, null));
  }

  /**
   * Paired estimates of θ(b) − θ(a) for every measure, seed by seed: pairs[s] = [a file, b file].
   */
  paired(pairs: readonly [string, string][]): Record<string, PairedEstimate | null> {
    if (!pairs.length) return {};
    const names = this.measureNames(pairs[0][1]);
    const K = this.blocks.length;
    return Object.fromEntries(
      names.map((name) => [name, pairedEstimate(this.records.length, pairs.length, (leaveOut, which, s) => this.measures(pairs[s][which === 'a' ? 0 : 1], leaveOut)[name] ?? null, K)]),
    );
  }
}

/** Mean of each measure over prediction files (nulls left out). */
export function meanMeasures(scorer: StudyScorer, files: readonly string[]): MeasureValues {
  const out: MeasureValues = {};
  const all = files.map((f) => scorer.measures(f, null));
  for (const name of Object.keys(all[0] ?? {})) {
    const xs = all.map((m) => m[name]).filter((x): x is number => x !== null);
    out[name] = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  }
  return out;
}

/** One scored run of a variant: its start and end predictions on the benchmark, and what it cost. */
export interface ScoredRun {
  seed: number;
  start: string;
  end: string;
  /** Wall seconds the run's training took (0 where unknown). */
  seconds: number;
}

/**
 * A variant's row of study.json: stage 3 − start over its runs, stage 3 − the base's stage 3 at the
 * same seeds (`base` null for the base itself), the levels and the times.
 */
export function scoreVariant(
  scorer: StudyScorer,
  v: { name: string; overrides: Record<string, unknown> },
  runs: readonly ScoredRun[],
  failed: VariantResult['failed'],
  base: ReadonlyMap<number, ScoredRun> | null,
): VariantResult {
  const pairs = runs.map((r) => [r.start, r.end] as [string, string]);
  const withBase = base ? runs.filter((r) => base.has(r.seed)) : [];
  return {
    name: v.name,
    overrides: v.overrides,
    seeds: runs.map((r) => r.seed),
    failed,
    measures: scorer.paired(pairs),
    vsBase: base ? scorer.paired(withBase.map((r) => [base.get(r.seed)!.end, r.end] as [string, string])) : null,
    levels: { start: pairs.length ? meanMeasures(scorer, pairs.map((p) => p[0])) : {}, end: pairs.length ? meanMeasures(scorer, pairs.map((p) => p[1])) : {} },
    seconds: { perSeed: runs.map((r) => r.seconds), mean: runs.length ? runs.reduce((a, r) => a + r.seconds, 0) / runs.length : 0 },
  };
}
