/**
 * The figure format every builder returns: a plotly.js spec ({data, layout, config}) built from
 * plain data, with no browser involved. The renderer (render.ts) turns any such spec into PNG, SVG
 * or interactive HTML, so figures built elsewhere (e.g. the Report Arena's) go through it too.
 */

/** A plotly.js figure: traces, layout and optional config, as plain JSON-serialisable objects. */
export interface FigureSpec {
  /** Plotly traces. */
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** A spec with the file stem and pixel size it is exported at. */
export interface NamedFigure {
  /** File stem, e.g. `fig2b-weighted-average`. */
  name: string;
  spec: FigureSpec;
  width?: number;
  height?: number;
}

/** Colours per model, stable across figures (colour-blind-friendly Okabe–Ito first). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#B8860B', '#000000', '#999999', '#8C564B', '#17BECF', '#7F7F7F'];

/** Stable colour for the i-th series. */
export function seriesColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** The house layout: white background, readable fonts, title, axis titles. */
export function baseLayout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, font: { size: 16 }, x: 0.02, xanchor: 'left' },
    font: { family: 'DejaVu Sans, Arial, sans-serif', size: 12, color: '#222' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 70, r: 30, t: 60, b: 70 },
    legend: { orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top', traceorder: 'normal', font: { size: 11 } },
    ...extra,
  };
}

/** An axis with light grid lines and a title. */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, gridcolor: '#e5e5e5', zerolinecolor: '#bbbbbb', automargin: true, ...extra };
}

/** Throw a clear error when a builder is handed nothing to draw. */
export function requireNonEmpty(what: string, n: number): void {
  if (n === 0) throw new Error(`${what}: nothing to plot (empty input)`);
}

/** Round for hover/labels without float noise. */
export function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}
