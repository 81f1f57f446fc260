/**
 * What every step of the main job shares: the resolved config, the run's layout (where each step
 * leaves the files the next ones read: src/run-layout.ts), where figures go, and how to report.
 */
import type { Config } from '../config.js';
import { readDatasets, type DatasetFiles } from '../data/prepare.js';
import type { ExportFormat } from '../plots/render.js';
import type { RunLayout, TrainedStage } from '../run-layout.js';

/** Model names in the tables and figures, as the brief names the miniature's three stages. */
export const MODEL_NAMES: Record<TrainedStage, string> = {
  stage1: 'DeepMedix-mini',
  stage2: 'DeepMedix-mini cold start',
  stage3: 'DeepMedix-R1-mini',
};

export interface JobContext {
  config: Config;
  layout: RunLayout;
  /** Final figures and tables (config.paths.figures). */
  figuresDir: string;
  /** Figure formats (default: png, svg and html when Chromium is installed, else html). */
  formats?: ExportFormat[];
  /** Silence progress bars (tests). */
  quiet: boolean;
  log: (line: string) => void;
}

/** The cohort step's files: every study, the instruction splits and the benchmark. */
export function loadJobData(ctx: Pick<JobContext, 'layout'>): DatasetFiles {
  try {
    return readDatasets(ctx.layout.cohort);
  } catch (e) {
    throw new Error(`${(e as Error).message} (the job's cohort step did not finish: run 'deepmedix run' again)`);
  }
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
