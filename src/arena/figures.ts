/**
 * Report Arena figures as plotly.js specs ({data, layout}), like the paper's Fig. 2h–j: the battle
 * count matrix, the win-rate matrix, the ranking with intervals, and arena score against the
 * automated average (marker size by parameter count). Plain JSON, so src/plots can export them.
 * Also the simulation study's two figures (recovery and sampling efficiency).
 */
import type { ArenaRanking } from './ranking.js';

/** A plotly figure spec (structurally the same as src/plots/spec.ts's FigureSpec). */
export interface ArenaFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

const layout = (title: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  title: { text: title, x: 0.02, xanchor: 'left', font: { size: 16 } },
  font: { family: 'DejaVu Sans, Arial, sans-serif', size: 12, color: '#222' },
  paper_bgcolor: '#ffffff',
  plot_bgcolor: '#ffffff',
  margin: { l: 150, r: 30, t: 60, b: 130 },
  ...extra,
});

/** Models ordered best first, for matrix axes. */
function ordered<T>(rk: ArenaRanking, rows: T[][]): { names: string[]; rows: T[][] } {
  return { names: rk.order.map((k) => rk.models[k]), rows: rk.order.map((i) => rk.order.map((j) => rows[i][j])) };
}

/** Fig. 2h: judged battles per pair. */
export function battleCountFigure(rk: ArenaRanking, counts: number[][]): ArenaFigure {
  const { names, rows } = ordered(rk, counts.map((r, i) => r.map((v, j) => (i === j ? null : v))));
  return {
    data: [
      {
        type: 'heatmap',
        z: rows,
        x: names,
        y: names,
        colorscale: 'Blues',
        reversescale: true,
        zmin: 0,
        text: rows.map((r) => r.map((v) => (v === null ? '' : String(v)))),
        texttemplate: '%{text}',
        hovertemplate: '%{y} vs %{x}: %{z} battles<extra></extra>',
        colorbar: { title: { text: 'battles' } },
      },
    ],
    layout: layout('Battle count per model pair', { xaxis: { tickangle: -40, automargin: true }, yaxis: { autorange: 'reversed', automargin: true } }),
  };
}

/** Fig. 2i: observed win rate of the row model against the column model. */
export function winRateFigure(rk: ArenaRanking, rates: (number | null)[][]): ArenaFigure {
  const { names, rows } = ordered(rk, rates);
  return {
    data: [
      {
        type: 'heatmap',
        z: rows,
        x: names,
        y: names,
        zmin: 0,
        zmax: 1,
        colorscale: 'RdBu',
        text: rows.map((r) => r.map((v) => (v === null ? '' : v.toFixed(2)))),
        texttemplate: '%{text}',
        hovertemplate: '%{y} beats %{x}: %{z:.2f}<extra></extra>',
        colorbar: { title: { text: 'win rate' } },
      },
    ],
    layout: layout('Win rate of row model against column model (ties ½)', {
      xaxis: { title: { text: 'model B' }, tickangle: -40, automargin: true },
      yaxis: { title: { text: 'model A' }, autorange: 'reversed', automargin: true },
    }),
  };
}

/** Ranking: normalized scores (paper) with bootstrap intervals, best at the top. */
export function rankingFigure(rk: ArenaRanking, scale: 'normalized' | 'elo' | 'logOdds' = 'normalized'): ArenaFigure {
  const s = rk[scale];
  const idx = [...rk.order].reverse();
  const hasCi = s.lower.every(Number.isFinite);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        x: idx.map((k) => s.score[k]),
        y: idx.map((k) => rk.models[k]),
        marker: { size: 10, color: '#0072B2' },
        error_x: hasCi
          ? { type: 'data', symmetric: false, array: idx.map((k) => s.upper[k] - s.score[k]), arrayminus: idx.map((k) => s.score[k] - s.lower[k]), color: '#555' }
          : undefined,
        hovertemplate: '%{y}: %{x:.3f}<extra></extra>',
      },
    ],
    layout: layout(`Report Arena ranking (${s.scale.name}${hasCi ? `, ${Math.round((rk.bootstrap?.level ?? 0.95) * 100)}% bootstrap intervals` : ''})`, {
      xaxis: { title: { text: scale === 'normalized' ? 'arena score (normalized)' : scale === 'elo' ? 'Elo-like rating' : 'Bradley–Terry ξ' }, gridcolor: '#e5e5e5', automargin: true },
      yaxis: { automargin: true },
      margin: { l: 170, r: 30, t: 60, b: 60 },
    }),
  };
}

/** Fig. 2j: arena score against the automated metrics' average, marker area by parameter count. */
export function arenaVsAutomatedFigure(rk: ArenaRanking, automated: Record<string, number>, params: Record<string, number | undefined> = {}): ArenaFigure {
  const names = rk.models.filter((m) => automated[m] !== undefined);
  if (names.length === 0) throw new Error('arena vs automated: no model has an automated score');
  const maxP = Math.max(1, ...names.map((m) => params[m] ?? 0));
  const size = (m: string) => (params[m] ? 12 + 38 * Math.sqrt(params[m]! / maxP) : 12);
  const k = (m: string) => rk.models.indexOf(m);
  const xs = names.map((m) => automated[m]);
  const pad = Math.max(0.02, 0.15 * (Math.max(...xs) - Math.min(...xs)));
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers+text',
        x: names.map((m) => automated[m]),
        y: names.map((m) => rk.normalized.score[k(m)]),
        text: names,
        textposition: 'top center',
        marker: { size: names.map(size), color: '#009E73', opacity: 0.7, line: { color: '#333', width: 1 } },
        customdata: names.map((m) => (params[m] ? params[m]!.toExponential(2) : 'n/a')),
        hovertemplate: '%{text}<br>automated %{x:.3f}<br>arena %{y:.3f}<br>params %{customdata}<extra></extra>',
      },
    ],
    layout: layout('Arena score vs automated average (marker size: parameters)', {
      xaxis: { title: { text: 'automated metrics average' }, gridcolor: '#e5e5e5', automargin: true, range: [Math.min(...xs) - pad, Math.max(...xs) + pad] },
      yaxis: { title: { text: 'arena score (normalized)' }, gridcolor: '#e5e5e5', range: [-0.1, 1.15] },
      margin: { l: 70, r: 30, t: 60, b: 60 },
    }),
  };
}

/** Simulation: fitted score against true strength, per model. */
export function recoveryFigure(trueStrengths: number[], fitted: number[], lower: number[] = [], upper: number[] = []): ArenaFigure {
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        x: trueStrengths,
        y: fitted,
        marker: { size: 10, color: '#D55E00' },
        error_y: lower.length ? { type: 'data', symmetric: false, array: upper.map((u, k) => u - fitted[k]), arrayminus: lower.map((l, k) => fitted[k] - l) } : undefined,
        name: 'fitted',
      },
    ],
    layout: layout('Simulation: fitted Bradley–Terry score vs true strength', {
      xaxis: { title: { text: 'true strength (relative to model 0)' }, gridcolor: '#e5e5e5' },
      yaxis: { title: { text: 'fitted ξ (model 0 pinned at 0)' }, gridcolor: '#e5e5e5' },
      margin: { l: 70, r: 30, t: 60, b: 60 },
    }),
  };
}

/** Simulation: a win-rate interval width (mean or largest over pairs) against battles, per sampler, with the target width. */
export function efficiencyFigure(traces: Record<string, { t: number; width: number }[]>, target: number, what = 'mean 95% interval width of the win-rate estimates'): ArenaFigure {
  const colors = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9'];
  const data: Record<string, unknown>[] = Object.entries(traces).map(([name, tr], k) => ({
    type: 'scatter',
    mode: 'lines',
    name,
    x: tr.map((p) => p.t),
    y: tr.map((p) => p.width),
    line: { color: colors[k % colors.length], width: 2 },
  }));
  const xs = Object.values(traces).flatMap((tr) => tr.map((p) => p.t));
  data.push({ type: 'scatter', mode: 'lines', name: `target ${target}`, x: [Math.min(...xs), Math.max(...xs)], y: [target, target], line: { color: '#999', dash: 'dash' } });
  return {
    data,
    layout: layout(`Simulation: ${what}`, {
      xaxis: { title: { text: 'battles' }, gridcolor: '#e5e5e5' },
      yaxis: { title: { text: 'interval width' }, gridcolor: '#e5e5e5', rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.2 },
      margin: { l: 70, r: 30, t: 60, b: 80 },
    }),
  };
}
