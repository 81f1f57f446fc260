/**
 * What a notebook needs from the main job: the config of the notebook's profile (DEEPMEDIX_PROFILE,
 * CI sets `smoke`) with any overrides, the tensor backend, and the job's steps up to the one the
 * notebook is about. A step the job already finished on the same settings is reused; a missing one
 * is run here through the job's own step (so a later `npm start` reuses it in turn). Either way the
 * notebook says which, so a reader knows whether the models shown are the job's.
 */
import { initBackend } from '../backend.js';
import { profileFromEnv, resolveConfig, type Config, type Overrides } from '../config.js';
import type { DatasetFiles } from '../data/prepare.js';
import type { Study } from '../data/types.js';
import { runLayout, type RunLayout } from '../run-layout.js';
import { formatSeconds } from '../util/progress.js';
import { loadJobData } from './context.js';
import { runJobSteps, type StepTiming } from './main.js';

export interface NotebookJob {
  config: Config;
  layout: RunLayout;
  /** The job's cohort: every study, the instruction splits, the benchmark. */
  data: DatasetFiles;
  studyById: Map<string, Study>;
  backend: string;
  /** What this call found: each step reused or run. */
  steps: StepTiming[];
}

/** One line per step: reused from the job, or run now (with its time). */
export function stepsReport(steps: readonly StepTiming[], layout: RunLayout): string {
  return steps.map((s) => (s.status === 'skipped' ? `${s.id}: the job's, from ${layout.step(s.id)}` : `${s.id}: not finished in ${layout.root} on these settings, run now (${formatSeconds(s.seconds)})`)).join('\n');
}

/** The job up to `until` on the notebook's profile; prints which steps were reused and which run. */
export async function notebookJob(until: string, o: { overrides?: Overrides; runDir?: string; quiet?: boolean } = {}): Promise<NotebookJob> {
  const backend = await initBackend({ log: null });
  const config = resolveConfig(profileFromEnv(), o.overrides ?? {});
  const layout = runLayout(config, o.runDir ?? process.env.DEEPMEDIX_RUN);
  const r = await runJobSteps(config, { runDir: layout.root, until, quiet: o.quiet ?? true, log: () => {} });
  console.log(`profile ${config.profile}, backend ${backend.name}, run ${layout.root}\n${stepsReport(r.steps, layout)}`);
  const data = loadJobData({ layout });
  return { config, layout, data, studyById: new Map(data.studies.map((s) => [s.id, s])), backend: backend.name, steps: r.steps };
}
