/**
 * Job stage 8: every paper figure and table the run's results support, into config.paths.figures:
 * Fig. 1b–e, 2a–g, 2h–j (the arena's), 3a–d, the GRPO curves, Table 1 and the VQA table with the
 * published rows alongside (src/plots/paper.ts). PNG and SVG through headless Chromium when it is
 * installed; interactive HTML always.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../config.js';
import type { StageSpec } from '../pipeline.js';
import { readJson } from '../util/fsx.js';
import { PROJECT_ROOT } from '../util/paths.js';
import { figureSpecsFromDir, writePaperFigures, type PaperResults } from '../plots/paper.js';
import { loadPublished, publishedPath } from '../plots/published.js';
import { chromiumPath, type ExportFormat } from '../plots/render.js';
import { reportObservationResults, vqaObservationResults } from '../plots/observations.js';
import { grpoCurveRows, resultsFromEvaluations, workbenchCompositions } from '../plots/results.js';
import { benchmarkPath, cohortDir, MODEL_NAMES, modelDir, stagePath, type JobContext } from './context.js';
import type { EvaluateSummary } from './evaluate.js';

export interface FiguresSummary {
  dir: string;
  files: number;
  figures: string[];
  skipped: string[];
}

/** Gather the figure inputs from the finished stages. */
export function jobPaperResults(ctx: JobContext, evaluation: EvaluateSummary, note: (name: string, why: string) => void): PaperResults {
  const evalDir = stagePath(ctx, 'evaluate');
  const r: PaperResults = resultsFromEvaluations(Object.values(evaluation.models).map((m) => join(evalDir, m.file)));
  const predictions = Object.fromEntries(Object.entries(evaluation.models).map(([name, m]) => [name, m.predictions]));
  const attempt = (name: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      note(name, (e as Error).message);
    }
  };
  attempt('fig2a/fig2g', () => {
    const o = reportObservationResults(benchmarkPath(ctx), predictions);
    r.reportTexts = o.reportTexts;
    r.observationF1 = o.observationF1;
  });
  attempt('fig3b/fig3c/fig3d', () => {
    const v = vqaObservationResults(benchmarkPath(ctx), predictions);
    r.vqaObservationF1 = v.f1;
    r.vqaObservationRecall = v.recall;
    r.vqaObservationPrecision = v.precision;
  });
  r.datasets = workbenchCompositions(ctx.config, cohortDir(ctx), join(stagePath(ctx, 'stage2'), 'synthesis', 'coldstart.jsonl'));
  const steps = join(modelDir(ctx, 'stage3'), 'steps.jsonl');
  if (existsSync(steps)) r.grpoLog = grpoCurveRows(steps);
  r.extra = figureSpecsFromDir(join(stagePath(ctx, 'arena'), 'figures')).map((f) => ({ ...f, width: 900, height: 600 }));
  r.sftModel = MODEL_NAMES.stage1;
  r.rlModel = MODEL_NAMES.stage3;
  return r;
}

/**
 * The figure inputs of a finished main-job run read back from its directory (`data/runs/<profile>`,
 * or --out), with the resolved config the run wrote there: the evaluate stage's record names the
 * models, their results and predictions. Null when the run has no finished evaluate stage. For
 * notebooks and re-exports outside the job.
 */
export function runPaperResults(runDir: string, note: (name: string, why: string) => void = () => {}): PaperResults | null {
  const marker = join(runDir, 'stages', 'evaluate', 'stage.json');
  if (!existsSync(marker)) return null;
  const config = readJson<Config>(join(runDir, 'config.json'));
  const ctx: JobContext = { config, runDir, figuresDir: config.paths.figures, quiet: true, log: () => {} };
  const evaluation = readJson<{ summary?: EvaluateSummary }>(marker).summary;
  if (!evaluation?.models || !Object.keys(evaluation.models).length) throw new Error(`${marker}: no 'summary.models' (an evaluate stage record is expected)`);
  return jobPaperResults(ctx, evaluation, note);
}

export function figureFormats(ctx: JobContext): ExportFormat[] {
  return ctx.formats ?? (chromiumPath() ? ['png', 'svg', 'html'] : ['html']);
}

/**
 * A figures stage whose files were deleted since (e.g. `rm -r figures`) has to run again though its
 * inputs are unchanged: drop its record when the first figure it wrote is gone.
 */
export function forgetFiguresIfDeleted(ctx: JobContext): void {
  const marker = stagePath(ctx, 'figures', 'stage.json');
  if (!existsSync(marker)) return;
  const s = readJson<{ summary?: Partial<FiguresSummary> }>(marker).summary;
  const first = s?.figures?.[0];
  if (!s?.dir || !first || !['png', 'svg', 'html'].some((e) => existsSync(join(s.dir!, `${first}.${e}`)))) rmSync(marker, { force: true });
}

/**
 * A hash of the figure code (src/plots): the figures stage is cheap, and a changed builder should
 * redraw a finished run's figures although none of the job's inputs changed.
 */
export function figureCodeHash(dir = join(PROJECT_ROOT, 'src', 'plots')): string | null {
  if (!existsSync(dir)) return null;
  const h = createHash('sha256');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts')).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex').slice(0, 16);
}

export function figuresStage(ctx: JobContext, evaluation: () => EvaluateSummary): StageSpec<FiguresSummary> {
  return {
    id: 'figures',
    what: `paper figures and tables to ${ctx.figuresDir}`,
    key: { dir: ctx.figuresDir, formats: figureFormats(ctx), published: publishedPath(), code: figureCodeHash() },
    after: ['cohort', 'stage2', 'stage3', 'evaluate', 'arena'],
    async run() {
      const skipped: string[] = [];
      const note = (name: string, why: string) => {
        skipped.push(`${name}: ${why}`);
        ctx.log(`  figure ${name} left out: ${why}`);
      };
      const r = jobPaperResults(ctx, evaluation(), note);
      const published = publishedPath() ? loadPublished() : null;
      const files = await writePaperFigures(r, published, ctx.figuresDir, { formats: figureFormats(ctx) }, note);
      const names = files.map((f) => basename(f)).filter((f) => /\.(png|svg|html)$/.test(f) && !f.startsWith('table'));
      const figures = [...new Set(names.map((f) => f.replace(/\.(png|svg|html)$/, '')))];
      ctx.log(`  ${files.length} files (${figures.length} figures) in ${ctx.figuresDir}`);
      return { dir: ctx.figuresDir, files: files.length, figures, skipped };
    },
  };
}
