/// <reference lib="dom" />
/**
 * The arena as the workbench runs it end to end (notebook 07, the main job): battles, ranking,
 * matrices, the automated metrics of the same models on the same studies, and the figures.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { reportMetrics } from '../metrics/report.js';
import { readJson, writeJson } from '../util/fsx.js';
import { runArena, type ArenaOptions, type ArenaRun } from './arena.js';
import { arenaVsAutomatedFigure, battleCountFigure, rankingFigure, winRateFigure, type ArenaFigure } from './figures.js';
import { readModelPredictions } from './predictions.js';
import { arenaRanking, battleCountMatrix, winRateMatrix, type ArenaRanking } from './ranking.js';
import type { ModelPredictions } from './types.js';

export interface ArenaReport {
  run: ArenaRun;
  ranking: ArenaRanking;
  counts: number[][];
  rates: (number | null)[][];
  /** Per model, the 11-column Average of the report metrics (src/metrics/report.ts) over the studies it covers. */
  automated: Record<string, number>;
  figures: { name: string; spec: ArenaFigure }[];
}

/** The report metrics' Average per model, over the reference studies the model has a report for. */
export function automatedAverages(models: readonly ModelPredictions[], references: ReadonlyMap<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of models) {
    const ids = [...references.keys()].filter((id) => m.reports.has(id));
    if (ids.length === 0) continue;
    out[m.name] = reportMetrics(ids.map((id) => m.reports.get(id)!), ids.map((id) => references.get(id)!)).Average;
  }
  return out;
}

/** Run (or resume) an arena, rank, and build the Fig. 2h–j figures. */
export async function arenaReport(opts: ArenaOptions & { bootstrap: number; automated?: boolean }): Promise<ArenaReport> {
  const run = await runArena(opts);
  const ranking = arenaRanking(run.records, run.models, { bootstrap: opts.bootstrap, seed: opts.seed });
  const counts = battleCountMatrix(run.records, run.models);
  const rates = winRateMatrix(run.records, run.models);
  const automated = opts.automated === false ? {} : automatedAverages(opts.models, opts.references);
  const params = Object.fromEntries(opts.models.map((m) => [m.name, m.params]));
  const figures = [
    { name: 'fig2h-arena-battle-counts', spec: battleCountFigure(ranking, counts) },
    { name: 'fig2i-arena-win-rates', spec: winRateFigure(ranking, rates) },
    { name: 'arena-ranking', spec: rankingFigure(ranking) },
  ];
  if (Object.keys(automated).length) figures.push({ name: 'fig2j-arena-vs-automated', spec: arenaVsAutomatedFigure(ranking, automated, params) });
  return { run, ranking, counts, rates, automated, figures };
}

/** Ranking rows for printing: rank, model, normalized score and interval, Elo-like, automated average. */
export function rankingTable(rep: Pick<ArenaReport, 'ranking' | 'automated'>): Record<string, string | number>[] {
  const rk = rep.ranking;
  return rk.order.map((k) => ({
    rank: rk.rank[k],
    model: rk.models[k],
    arena: Number(rk.normalized.score[k].toFixed(3)),
    interval: `[${rk.normalized.lower[k].toFixed(3)}, ${rk.normalized.upper[k].toFixed(3)}]`,
    elo: Math.round(rk.elo.score[k]),
    automated: rep.automated[rk.models[k]] !== undefined ? Number(rep.automated[rk.models[k]].toFixed(4)) : 'n/a',
  }));
}

/**
 * Export figures: the plotly specs as JSON always; interactive HTML, and PNG through headless
 * Chromium when it is installed, through src/plots/render.ts. The renderer is loaded lazily and a
 * failure to load or run it is returned (not thrown), so the arena's results never depend on it.
 */
export async function exportArenaFigures(
  figures: { name: string; spec: ArenaFigure }[],
  dir: string,
  opts: { png?: boolean; html?: boolean } = {},
): Promise<{ json: string[]; png: string[]; html: string[]; error?: string }> {
  const json = figures.map((f) => {
    const p = join(dir, `${f.name}.json`);
    writeJson(p, f.spec);
    return p;
  });
  if (opts.png === false && opts.html === false) return { json, png: [], html: [] };
  try {
    const { chromiumPath, exportFigures } = await import('../plots/render.js');
    const named = figures.map((f) => ({ name: f.name, spec: f.spec, width: 900, height: 600 }));
    const html = opts.html === false ? [] : await exportFigures(named, dir, { formats: ['html'] });
    const png = opts.png !== false && chromiumPath() ? await exportFigures(named, dir, { formats: ['png'], scale: 1 }) : [];
    return { json, png, html };
  } catch (e) {
    return { json, png: [], html: [], error: String((e as Error).message ?? e).split('\n')[0] };
  }
}

/**
 * Models' predictions found under a folder: every `NAME.jsonl` ({"id", "text"} lines) is one model
 * named NAME; an optional `params.json` ({"NAME": parameter count}) gives marker sizes for Fig. 2j.
 * Missing folder: no models.
 */
export function discoverModels(dir: string): ModelPredictions[] {
  if (!existsSync(dir)) return [];
  const paramsPath = join(dir, 'params.json');
  const params = existsSync(paramsPath) ? readJson<Record<string, number>>(paramsPath) : {};
  for (const [k, v] of Object.entries(params)) if (typeof v !== 'number' || !(v > 0)) throw new Error(`${paramsPath}: parameter count of '${k}' must be a positive number, got ${JSON.stringify(v)}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => readModelPredictions(basename(f, '.jsonl'), join(dir, f), params[basename(f, '.jsonl')]));
}
