/**
 * Job step: every paper figure and table the run's results support, into config.paths.figures:
 * Fig. 1b–e, 2a–g, 2h–j (the arena's), 3a–d, the GRPO curves, Table 1 and the VQA table with the
 * published rows alongside (src/plots/paper.ts). PNG and SVG through headless Chromium when it is
 * installed; interactive HTML always.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../../config.js';
import { stepMarker, type JobStep } from '../pipeline.js';
import { readJson } from '../../util/fsx.js';
import { figureSpecsFromDir, writePaperFigures, type PaperResults } from '../../plots/paper.js';
import { loadPublished, publishedPath } from '../../plots/published.js';
import { chromiumPath, type ExportFormat } from '../../plots/render.js';
import { reportObservationResults, vqaObservationResults } from '../../plots/observations.js';
import { grpoCurveRows, resultsFromEvaluations, workbenchCompositions } from '../../plots/results.js';
import { layoutAt } from '../../run-layout.js';
import { MODEL_NAMES, type JobContext } from '../context.js';
import type { EvaluateSummary } from './evaluate.js';

export interface FiguresSummary {
  dir: string;
  files: number;
  figures: string[];
  skipped: string[];
}

/** Gather the figure inputs from the finished stages. */
export function jobPaperResults(ctx: JobContext, evaluation: EvaluateSummary, note: (name: string, why: string) => void): PaperResults {
  const L = ctx.layout;
  const evalDir = L.step('evaluate');
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
    const o = reportObservationResults(L.benchmark, predictions);
    r.reportTexts = o.reportTexts;
    r.observationF1 = o.observationF1;
  });
  attempt('fig3b/fig3c/fig3d', () => {
    const v = vqaObservationResults(L.benchmark, predictions);
    r.vqaObservationF1 = v.f1;
    r.vqaObservationRecall = v.recall;
    r.vqaObservationPrecision = v.precision;
  });
  r.datasets = workbenchCompositions(ctx.config, L.cohort, L.coldstartSet('train'));
  const steps = join(L.model('stage3'), 'steps.jsonl');
  if (existsSync(steps)) r.grpoLog = grpoCurveRows(steps);
  r.extra = figureSpecsFromDir(join(L.step('arena'), 'figures')).map((f) => ({ ...f, width: 900, height: 600 }));
  r.sftModel = MODEL_NAMES.stage1;
  r.rlModel = MODEL_NAMES.stage3;
  return r;
}

/**
 * The figure inputs of a finished main-job run read back from its directory (`data/runs/<profile>`,
 * or --out), with its config (by default the resolved config the run wrote there): the evaluate
 * step's record names the models, their results and predictions. Null when the run has no finished
 * evaluate step. For notebooks and re-exports outside the job.
 */
export function runPaperResults(runDir: string, note: (name: string, why: string) => void = () => {}, config?: Config): PaperResults | null {
  const layout = layoutAt(runDir);
  const marker = stepMarker(layout.step('evaluate'));
  if (!existsSync(marker)) return null;
  config ??= readJson<Config>(layout.config);
  const ctx: JobContext = { config, layout, figuresDir: config.paths.figures, quiet: true, log: () => {} };
  const evaluation = readJson<{ summary?: EvaluateSummary }>(marker).summary;
  if (!evaluation?.models || !Object.keys(evaluation.models).length) throw new Error(`${marker}: no 'summary.models' (an evaluate step record is expected)`);
  return jobPaperResults(ctx, evaluation, note);
}

export function figureFormats(ctx: JobContext): ExportFormat[] {
  return ctx.formats ?? (chromiumPath() ? ['png', 'svg', 'html'] : ['html']);
}

/** Whether a finished figures step's files were deleted since (e.g. `rm -r figures`): then it runs again. */
function figuresDeleted(summary: Partial<FiguresSummary> | undefined): boolean {
  const first = summary?.figures?.[0];
  return !summary?.dir || !first || !['png', 'svg', 'html'].some((e) => existsSync(join(summary.dir!, `${first}.${e}`)));
}

export function figuresStep(ctx: JobContext): JobStep<FiguresSummary> {
  return {
    id: 'figures',
    what: `paper figures and tables to ${ctx.figuresDir}`,
    key: { dir: ctx.figuresDir, formats: figureFormats(ctx), published: publishedPath() },
    code: ['src/job/steps/figures.ts'],
    after: ['cohort', 'stage2', 'stage3', 'evaluate', 'arena'],
    stale: figuresDeleted,
    async run(_dir, { record }) {
      const skipped: string[] = [];
      const note = (name: string, why: string) => {
        skipped.push(`${name}: ${why}`);
        ctx.log(`  figure ${name} left out: ${why}`);
      };
      const r = jobPaperResults(ctx, record<EvaluateSummary>('evaluate').summary, note);
      const published = publishedPath() ? loadPublished() : null;
      const files = await writePaperFigures(r, published, ctx.figuresDir, { formats: figureFormats(ctx) }, note);
      const names = files.map((f) => basename(f)).filter((f) => /\.(png|svg|html)$/.test(f) && !f.startsWith('table'));
      const figures = [...new Set(names.map((f) => f.replace(/\.(png|svg|html)$/, '')))];
      ctx.log(`  ${files.length} files (${figures.length} figures) in ${ctx.figuresDir}`);
      return { dir: ctx.figuresDir, files: files.length, figures, skipped };
    },
  };
}
