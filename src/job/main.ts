/**
 * The main job (`deepmedix run`, `npm start`): cohort -> stage 1 -> synthesis + filter -> stage 2
 * -> stage 3 -> evaluation -> Report Arena -> figures, each stage cached by its inputs under
 * `<run>/stages/<id>/` (src/pipeline.ts), then a summary of times and headline metrics.
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import { Pipeline, type StageRecord, type StageSpec } from '../pipeline.js';
import type { ExportFormat } from '../plots/render.js';
import { writeJson } from '../util/fsx.js';
import { formatSeconds } from '../util/progress.js';
import { MODEL_NAMES, type JobContext } from './context.js';
import { cohortStage } from './data.js';
import { arenaStage } from './arena.js';
import { evaluateStage, type EvaluateSummary } from './evaluate.js';
import { figuresStage, forgetFiguresIfDeleted } from './figures.js';
import { stage1Stage, stage2Stage, stage3Stage, synthesisStage } from './training.js';

export interface MainJobOptions {
  runDir: string;
  /** Default: config.paths.figures. */
  figuresDir?: string;
  formats?: ExportFormat[];
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface StageTiming {
  id: string;
  /** This invocation: 'ran' or 'skipped' (cached). */
  status: 'ran' | 'skipped';
  /** Seconds of the run that produced the stage's outputs (the cached run's when skipped). */
  seconds: number;
  /** CPU seconds of the process during that run (all threads). */
  cpuSeconds: number | null;
}

export interface MainJobResult {
  stages: StageTiming[];
  /** Wall seconds of this invocation. */
  seconds: number;
  headline: EvaluateSummary['models'];
  figuresDir: string;
  summaryPath: string;
}

export async function runMainJob(config: Config, o: MainJobOptions): Promise<MainJobResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const ctx: JobContext = { config, runDir: o.runDir, figuresDir: o.figuresDir ?? config.paths.figures, formats: o.formats, quiet: Boolean(o.quiet), log };
  const pipeline = new Pipeline(o.runDir, log);
  const t0 = Date.now();
  const stages: StageTiming[] = [];
  const run = async <T>(spec: StageSpec<T>): Promise<StageRecord<T>> => {
    const before = Date.now();
    const rec = await pipeline.run(spec);
    const ran = new Date(rec.finishedAt).getTime() >= before;
    stages.push({ id: spec.id, status: ran ? 'ran' : 'skipped', seconds: rec.seconds, cpuSeconds: rec.cpuSeconds ?? null });
    return rec;
  };
  log('== 1/8 cohort');
  await run(cohortStage(ctx));
  log('== 2/8 stage1');
  await run(stage1Stage(ctx));
  log('== 3/8 synthesis');
  await run(synthesisStage(ctx));
  log('== 4/8 stage2');
  await run(stage2Stage(ctx));
  log('== 5/8 stage3');
  await run(stage3Stage(ctx));
  log('== 6/8 evaluate');
  const evaluation = (await run(evaluateStage(ctx))).summary;
  log('== 7/8 arena');
  await run(arenaStage(ctx));
  log('== 8/8 figures');
  forgetFiguresIfDeleted(ctx);
  await run(figuresStage(ctx, () => evaluation));
  const result: MainJobResult = { stages, seconds: (Date.now() - t0) / 1000, headline: evaluation.models, figuresDir: ctx.figuresDir, summaryPath: join(o.runDir, 'summary.json') };
  writeJson(result.summaryPath, { profile: config.profile, finishedAt: new Date().toISOString(), ...result });
  printSummary(result, log);
  return result;
}

export function printSummary(r: MainJobResult, log: (line: string) => void): void {
  log('');
  log('Summary');
  log('  stage        wall    CPU (all threads)');
  for (const s of r.stages) log(`  ${s.id.padEnd(10)} ${formatSeconds(s.seconds).padStart(8)} ${(s.cpuSeconds === null ? '' : formatSeconds(s.cpuSeconds)).padStart(8)}${s.status === 'skipped' ? '  (cached)' : ''}`);
  log(`  this run: ${formatSeconds(r.seconds)}`);
  log('  model                                      report weighted average   VQA accuracy');
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  const order = [MODEL_NAMES.stage1, MODEL_NAMES.stage2, MODEL_NAMES.stage3, ...Object.keys(r.headline).filter((m) => !Object.values(MODEL_NAMES).includes(m as never))];
  for (const m of order) {
    const h = r.headline[m];
    if (h) log(`  ${m.padEnd(42)} ${fmt(h.reportAverage).padStart(23)}   ${fmt(h.vqaAccuracy).padStart(12)}`);
  }
  log(`  figures and tables: ${r.figuresDir}; run summary: ${r.summaryPath}`);
}
