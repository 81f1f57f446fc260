/**
 * What `deepmedix study` writes to study.json: per variant, the paired estimates of stage 3 − start
 * and of stage 3 − the base recipe's stage 3 for every measure, the measures' levels, the runs'
 * times and (when measured) the sampling headroom before and after. A plain data shape, so tables
 * and figures (src/plots/study.ts) and readers at paper scale share it.
 */
import type { PairedEstimate } from './paired.js';

/** Every measure of one prediction set on a subset of items (null where a measure has no items). */
export type MeasureValues = Record<string, number | null>;

export interface VariantResult {
  name: string;
  overrides: Record<string, unknown>;
  /** Seeds whose run finished (and is scored). */
  seeds: number[];
  failed: { seed: number; error: string }[];
  /** Stage 3 − start (the variant's own stage-2 model), paired over items and seeds, per measure. */
  measures: Record<string, PairedEstimate | null>;
  /** This variant's stage 3 − the base recipe's stage 3 at the same seeds; null for the base itself. */
  vsBase: Record<string, PairedEstimate | null> | null;
  /** The measures' values, start and end (mean over seeds). */
  levels: { start: MeasureValues; end: MeasureValues };
  /** Wall seconds of the steps each finished run trained (linked steps cost nothing), per seed, and their mean. */
  seconds: { perSeed: number[]; mean: number };
  headroom?: { start: Record<string, number>; end: Record<string, number> };
}


export interface StudyResult {
  profile: string;
  seeds: number[];
  base: Record<string, unknown>;
  baseRun: string;
  /** The held-out items every run is scored on (the job's benchmark). */
  items: { total: number; vqa: number; report: number };
  /** How the headroom was measured (absent when it was not). */
  headroom?: { items: number; samples: number; temperature: number };
  variants: VariantResult[];
  finishedAt: string;
}
