/**
 * The main job (`deepmedix run`, `npm start`): cohort -> stage 1 -> synthesis + filter -> stage 2
 * -> stage 3 -> evaluation -> Report Arena -> figures, each step cached by its inputs under
 * `<run>/steps/<id>/` (src/job/pipeline.ts, src/run-layout.ts), then a summary of times and
 * headline metrics. `runJobSteps` runs the job up to one step: what notebooks and commands call to
 * get the job's cohort and checkpoints, training only what is missing.
 */
import type { Config } from '../config.js';
import type { ExportFormat } from '../plots/render.js';
import { layoutAt, type RunLayout } from '../run-layout.js';
import { writeJson } from '../util/fsx.js';
import { formatSeconds } from '../util/progress.js';
import { MODEL_NAMES, type JobContext } from './context.js';
import { Pipeline, type JobStep, type StepRecord } from './pipeline.js';
import { arenaStep } from './steps/arena.js';
import { cohortStep } from './steps/cohort.js';
import { evaluateStep, type EvaluateSummary } from './steps/evaluate.js';
import { figuresStep } from './steps/figures.js';
import { stage1Step } from './steps/stage1.js';
import { stage2Step } from './steps/stage2.js';
import { stage3Step } from './steps/stage3.js';
import { synthesisStep } from './steps/synthesis.js';

/** The job's steps, in the order they run (each reads only steps before it). */
export function jobSteps(ctx: JobContext): JobStep<unknown>[] {
  return [cohortStep, stage1Step, synthesisStep, stage2Step, stage3Step, evaluateStep, arenaStep, figuresStep].map((make) => make(ctx) as JobStep<unknown>);
}

export interface MainJobOptions {
  runDir: string;
  /** Default: config.paths.figures. */
  figuresDir?: string;
  formats?: ExportFormat[];
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface StepTiming {
  id: string;
  /** This invocation: 'ran' or 'skipped' (cached). */
  status: 'ran' | 'skipped';
  /** Seconds of the run that produced the step's outputs (the cached run's when skipped). */
  seconds: number;
  /** CPU seconds of the process during that run (all threads). */
  cpuSeconds: number | null;
}

export interface JobStepsResult {
  layout: RunLayout;
  steps: StepTiming[];
  records: Map<string, StepRecord<unknown>>;
}

function contextOf(config: Config, o: MainJobOptions): JobContext {
  return { config, layout: layoutAt(o.runDir), figuresDir: o.figuresDir ?? config.paths.figures, formats: o.formats, quiet: Boolean(o.quiet), log: o.log ?? ((l: string) => console.log(l)) };
}

/**
 * Run the job's steps up to and including `until` (default: all), each skipped when its inputs are
 * unchanged since it finished. Every step that runs says so; a notebook or command that calls this
 * after `npm start` on the same settings gets the job's own results without training anything.
 */
export async function runJobSteps(config: Config, o: MainJobOptions & { until?: string }): Promise<JobStepsResult> {
  const ctx = contextOf(config, o);
  const all = jobSteps(ctx);
  const last = o.until ? all.findIndex((s) => s.id === o.until) : all.length - 1;
  if (last < 0) throw new Error(`no job step '${o.until}' (steps: ${all.map((s) => s.id).join(', ')})`);
  const pipeline = new Pipeline(o.runDir, ctx.log);
  const steps: StepTiming[] = [];
  const records = new Map<string, StepRecord<unknown>>();
  for (const [i, spec] of all.slice(0, last + 1).entries()) {
    ctx.log(`== ${i + 1}/${all.length} ${spec.id}`);
    const before = Date.now();
    const rec = await pipeline.run(spec);
    records.set(spec.id, rec);
    steps.push({ id: spec.id, status: new Date(rec.finishedAt).getTime() >= before ? 'ran' : 'skipped', seconds: rec.seconds, cpuSeconds: rec.cpuSeconds ?? null });
  }
  return { layout: ctx.layout, steps, records };
}

export interface MainJobResult {
  steps: StepTiming[];
  /** Wall seconds of this invocation. */
  seconds: number;
  headline: EvaluateSummary['models'];
  figuresDir: string;
  summaryPath: string;
}

/** The whole job, then `summary.json` and the printed summary. */
export async function runMainJob(config: Config, o: MainJobOptions): Promise<MainJobResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const t0 = Date.now();
  const r = await runJobSteps(config, { ...o, log });
  const evaluation = r.records.get('evaluate')!.summary as EvaluateSummary;
  const result: MainJobResult = { steps: r.steps, seconds: (Date.now() - t0) / 1000, headline: evaluation.models, figuresDir: o.figuresDir ?? config.paths.figures, summaryPath: r.layout.summary };
  writeJson(result.summaryPath, { profile: config.profile, finishedAt: new Date().toISOString(), ...result });
  printSummary(result, log);
  return result;
}

export function printSummary(r: MainJobResult, log: (line: string) => void): void {
  log('');
  log('Summary');
  log('  step         wall    CPU (all threads)');
  for (const s of r.steps) log(`  ${s.id.padEnd(10)} ${formatSeconds(s.seconds).padStart(8)} ${(s.cpuSeconds === null ? '' : formatSeconds(s.cpuSeconds)).padStart(8)}${s.status === 'skipped' ? '  (cached)' : ''}`);
  log(`  this run: ${formatSeconds(r.seconds)}`);
  log('  model                                      report weighted average   VQA accuracy');
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  const names: string[] = Object.values(MODEL_NAMES);
  for (const m of [...names, ...Object.keys(r.headline).filter((m) => !names.includes(m))]) {
    const h = r.headline[m];
    if (h) log(`  ${m.padEnd(42)} ${fmt(h.reportAverage).padStart(23)}   ${fmt(h.vqaAccuracy).padStart(12)}`);
  }
  log(`  figures and tables: ${r.figuresDir}; run summary: ${r.summaryPath}`);
}
