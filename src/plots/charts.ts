/**
 * Generic chart shapes the paper's figures are made of: grouped bars (series × categories),
 * heatmaps with printed values, and box plots of distributions. Figure modules name them.
 */
import { axis, baseLayout, fmt, requireNonEmpty, seriesColor, type FigureSpec } from './spec.js';

/** series -> category -> value (e.g. model -> observation -> F1). */
export type SeriesTable = Record<string, Record<string, number>>;

/** Categories in first-seen order across series (or the given order, keeping only present ones). */
export function categoriesOf(table: SeriesTable, order?: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const row of Object.values(table)) for (const k of Object.keys(row)) seen.add(k);
  if (order) return order.filter((c) => seen.has(c));
  return [...seen];
}

export interface BarOptions {
  title: string;
  valueTitle: string;
  categoryTitle?: string;
  categoryOrder?: readonly string[];
  /** Horizontal bars (categories on the y axis), better for long labels. */
  horizontal?: boolean;
  /** Value axis range, e.g. [0, 1]. */
  range?: [number, number];
  /** Print values on bars. */
  labels?: boolean;
  digits?: number;
  /** Per-series bar pattern (e.g. hatched published rows). */
  patterns?: Record<string, string>;
}

/** Grouped bars: one trace per series, one group per category. */
export function groupedBars(table: SeriesTable, o: BarOptions): FigureSpec {
  const series = Object.keys(table);
  requireNonEmpty(o.title, series.length);
  const cats = categoriesOf(table, o.categoryOrder);
  requireNonEmpty(o.title, cats.length);
  const digits = o.digits ?? 3;
  const data = series.map((s, i) => {
    const vals = cats.map((c) => (typeof table[s][c] === 'number' ? table[s][c] : null));
    const trace: Record<string, unknown> = {
      type: 'bar',
      name: s,
      marker: { color: seriesColor(i), ...(o.patterns?.[s] ? { pattern: { shape: o.patterns[s], fillmode: 'overlay', fgcolor: '#ffffff', size: 6 } } : {}) },
      hovertemplate: `${s}<br>%{${o.horizontal ? 'y' : 'x'}}: %{${o.horizontal ? 'x' : 'y'}:.${digits}f}<extra></extra>`,
    };
    if (o.horizontal) Object.assign(trace, { orientation: 'h', y: cats, x: vals });
    else Object.assign(trace, { x: cats, y: vals });
    if (o.labels) Object.assign(trace, { text: vals.map((v) => (v === null ? '' : fmt(v, digits))), textposition: 'outside', cliponaxis: false, constraintext: 'none', textfont: { size: 10 } });
    return trace;
  });
  const valueAxis = axis(o.valueTitle, o.range ? { range: o.range } : { rangemode: 'tozero' });
  const catAxis = axis(o.categoryTitle ?? '', o.horizontal ? { autorange: 'reversed' } : { tickangle: cats.some((c) => c.length > 12 && !c.includes('<br>')) ? -30 : 0 });
  return {
    data,
    layout: baseLayout(o.title, {
      barmode: 'group',
      bargap: 0.2,
      xaxis: o.horizontal ? valueAxis : catAxis,
      yaxis: o.horizontal ? catAxis : valueAxis,
    }),
  };
}

export interface HeatmapOptions {
  title: string;
  rowTitle?: string;
  colTitle?: string;
  colOrder?: readonly string[];
  /** Colour scale range (default [0, 1]). */
  zRange?: [number, number];
  digits?: number;
}

/** Heatmap rows = series, columns = categories, with each value printed in its cell. */
export function valueHeatmap(table: SeriesTable, o: HeatmapOptions): FigureSpec {
  const rows = Object.keys(table);
  requireNonEmpty(o.title, rows.length);
  const cols = categoriesOf(table, o.colOrder);
  requireNonEmpty(o.title, cols.length);
  const digits = o.digits ?? 2;
  const z = rows.map((r) => cols.map((c) => (typeof table[r][c] === 'number' ? table[r][c] : null)));
  const [zmin, zmax] = o.zRange ?? [0, 1];
  const mid = (zmin + zmax) / 2;
  const annotations = [];
  for (let i = 0; i < rows.length; i++)
    for (let j = 0; j < cols.length; j++) {
      const v = z[i][j];
      annotations.push({ x: cols[j], y: rows[i], text: v === null ? '–' : fmt(v, digits), showarrow: false, font: { size: 10, color: v !== null && v > mid ? '#ffffff' : '#222222' } });
    }
  return {
    data: [{ type: 'heatmap', x: cols, y: rows, z, zmin, zmax, colorscale: 'Blues', reversescale: true, colorbar: { thickness: 14 }, hovertemplate: '%{y}<br>%{x}: %{z:.3f}<extra></extra>' }],
    layout: baseLayout(o.title, {
      annotations,
      xaxis: axis(o.colTitle ?? '', { tickangle: -35, showgrid: false }),
      yaxis: axis(o.rowTitle ?? '', { autorange: 'reversed', showgrid: false }),
      margin: { l: 170, r: 30, t: 60, b: 130 },
    }),
  };
}

export interface BoxOptions {
  title: string;
  valueTitle: string;
  /** Also draw the distribution's density (violin) instead of a plain box. */
  violin?: boolean;
}

/** One box (or violin) per series over its raw values. */
export function distributionBoxes(values: Record<string, number[]>, o: BoxOptions): FigureSpec {
  const series = Object.keys(values).filter((k) => values[k].length > 0);
  requireNonEmpty(o.title, series.length);
  const data = series.map((s, i) =>
    o.violin
      ? { type: 'violin', name: s, y: values[s], box: { visible: true }, meanline: { visible: true }, points: false, line: { color: seriesColor(i) } }
      : { type: 'box', name: s, y: values[s], boxmean: true, boxpoints: false, marker: { color: seriesColor(i) } },
  );
  return { data, layout: baseLayout(o.title, { showlegend: false, yaxis: axis(o.valueTitle, { rangemode: 'tozero' }), xaxis: axis('', { tickangle: -20 }) }) };
}
