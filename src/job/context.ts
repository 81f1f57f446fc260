/**
 * What every stage of the main job shares: the resolved config, the run directory and where each
 * stage leaves the files the next ones read (stage directories are `<run>/stages/<id>/`).
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { ExportFormat } from '../plots/render.js';

/** Model names in the tables and figures, as the brief's naming of the miniature stages. */
export const MODEL_NAMES = {
  stage1: 'DeepMedix-mini',
  stage2: 'DeepMedix-mini cold start',
  stage3: 'DeepMedix-R1-mini',
} as const;

export type TrainedStage = keyof typeof MODEL_NAMES;

export interface JobContext {
  config: Config;
  /** `data/runs/<profile>` or --out. */
  runDir: string;
  /** Final figures and tables (config.paths.figures). */
  figuresDir: string;
  /** Figure formats (default: png, svg and html when Chromium is installed, else html). */
  formats?: ExportFormat[];
  /** Silence progress bars (tests). */
  quiet: boolean;
  log: (line: string) => void;
}

export function stagePath(ctx: JobContext, id: string, ...rest: string[]): string {
  return join(ctx.runDir, 'stages', id, ...rest);
}

/** The cohort with its datasets (studies.jsonl, images/, instructions-*.jsonl, xraybench.jsonl). */
export function cohortDir(ctx: JobContext): string {
  return stagePath(ctx, 'cohort', 'data');
}

export function benchmarkPath(ctx: JobContext): string {
  return join(cohortDir(ctx), 'xraybench.jsonl');
}

/** A trained stage's checkpoint directory. */
export function modelDir(ctx: JobContext, stage: TrainedStage): string {
  return stagePath(ctx, stage, 'model');
}

/** A trained stage's greedy predictions on the benchmark ({id, text} JSONL). */
export function predictionsPath(ctx: JobContext, stage: TrainedStage): string {
  return stagePath(ctx, stage, 'predictions.jsonl');
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
