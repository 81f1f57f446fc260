/**
 * A study's tables and its forest plot: per variant, the paired difference stage 3 − start (and
 * against the base recipe's stage 3) of each measure with its 95% interval, the seeds behind it,
 * the minutes a run took, and the sampling headroom before and after.
 */
import type { PairedEstimate } from '../eval/paired.js';
import type { StudyResult, VariantResult } from '../eval/study-result.js';
import { axis, baseLayout, seriesColor, type FigureSpec } from './spec.js';

export const HEADLINE_MEASURES = ['vqa', 'report', 'boxMatch'] as const;
const LABEL: Record<string, string> = { vqa: 'VQA accuracy', report: 'weighted report average', boxMatch: 'boxes on a true region' };

/** "+0.012 [−0.003, +0.027]" (or "–"). */
export function intervalText(e: PairedEstimate | null | undefined, digits = 3): string {
  if (!e) return '–';
  const f = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
  return `${f(e.mean)} [${f(e.lo)}, ${f(e.hi)}]`;
}

/** Whether the 95% interval excludes 0, and on which side. */
export function verdict(e: PairedEstimate | null | undefined): 'up' | 'down' | 'noise' | 'n/a' {
  if (!e) return 'n/a';
  return e.lo > 0 ? 'up' : e.hi < 0 ? 'down' : 'noise';
}

/** One row per variant: the headline measures against the start and the base, n, minutes per run. */
export function studyRows(r: StudyResult): Record<string, string | number>[] {
  return r.variants.map((v) => {
    const row: Record<string, string | number> = { variant: v.name, seeds: v.seeds.length, failed: v.failed.length };
    for (const m of HEADLINE_MEASURES) row[`${m} − start`] = intervalText(v.measures[m]);
    for (const m of HEADLINE_MEASURES) row[`${m} − base`] = v.vsBase ? intervalText(v.vsBase[m]) : '';
    row['minutes/run'] = (v.seconds.mean / 60).toFixed(1);
    return row;
  });
}

/** Every measure (headline and per split) of one variant against its start. */
export function splitRows(v: VariantResult): Record<string, string | number>[] {
  return Object.entries(v.measures).map(([measure, e]) => ({
    measure,
    start: v.levels.start[measure] ?? NaN,
    end: v.levels.end[measure] ?? NaN,
    'stage 3 − start': intervalText(e),
    se: e ? Number(e.se.toFixed(4)) : NaN,
    verdict: verdict(e),
  }));
}

function markdownTable(rows: readonly Record<string, string | number>[]): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const cell = (x: string | number) => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : x);
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c] ?? '')).join(' | ')} |`)].join('\n');
}

/** The study as Markdown: the summary table, then per variant its splits and headroom. */
export function studyMarkdown(r: StudyResult): string {
  const out = [
    `# Study (${r.profile} profile, seeds ${r.seeds.join(', ')})`,
    '',
    `Base recipe: the ${r.profile} profile${Object.keys(r.base).length ? ` with \`${JSON.stringify(r.base)}\`` : ''}. Paired differences, mean over seeds with the 95% interval (items and seeds both counted), on ${r.items.total} benchmark items (${r.items.vqa} VQA, ${r.items.report} report). "− start": the variant's stage 3 against its own starting checkpoint; "− base": against the base recipe's stage 3 at the same seeds.`,
    '',
    markdownTable(studyRows(r)),
  ];
  for (const v of r.variants) {
    out.push('', `## ${v.name}`, '', `Overrides: \`${JSON.stringify(v.overrides)}\`; seeds ${v.seeds.join(', ') || 'none'}${v.failed.length ? `; failed: ${v.failed.map((f) => `${f.seed} (${f.error})`).join('; ')}` : ''}.`, '', markdownTable(splitRows(v)));
    if (v.headroom) {
      const h = v.headroom;
      out.push('', `Sampling headroom on ${r.headroom?.items} VQA items, G = ${r.headroom?.samples}, T = ${r.headroom?.temperature}:`, '', markdownTable(['start', 'end'].map((k) => ({ model: k === 'start' ? 'start' : 'stage 3 (mean over seeds)', ...h[k as 'start' | 'end'] }))));
    }
  }
  return out.join('\n');
}

/** Forest plot: one panel per headline measure, a row per variant, the interval against the start (and the base). */
export function studyForestFigure(r: StudyResult): FigureSpec {
  const names = r.variants.map((v) => v.name);
  const data: Record<string, unknown>[] = [];
  const layout = baseLayout('Stage 3 − start (and − base), 95% intervals over items and seeds', { showlegend: true, height: 180 + 40 * names.length });
  HEADLINE_MEASURES.forEach((m, k) => {
    const x = k === 0 ? 'x' : `x${k + 1}`;
    for (const [against, color, shift] of [['start', seriesColor(0), 0], ['base', seriesColor(1), 0.25]] as const) {
      const est = r.variants.map((v) => (against === 'start' ? v.measures[m] : v.vsBase?.[m]) ?? null);
      const idx = est.map((e, i) => (e ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) continue;
      data.push({
        type: 'scatter', mode: 'markers', name: `− ${against}`, legendgroup: against, showlegend: k === 0,
        x: idx.map((i) => est[i]!.mean), y: idx.map((i) => names.length - 1 - i + shift), xaxis: x, yaxis: 'y',
        marker: { color, size: 9 },
        error_x: { type: 'data', symmetric: false, array: idx.map((i) => est[i]!.hi - est[i]!.mean), arrayminus: idx.map((i) => est[i]!.mean - est[i]!.lo), color },
        text: idx.map((i) => `${names[i]}: ${intervalText(est[i])}, ${est[i]!.seeds} seeds`), hoverinfo: 'text',
      });
    }
    const span = 1 / HEADLINE_MEASURES.length;
    layout[k === 0 ? 'xaxis' : `xaxis${k + 1}`] = axis(LABEL[m], { domain: [k * span + 0.02, (k + 1) * span - 0.02], zeroline: true, zerolinecolor: '#888', zerolinewidth: 2 });
  });
  layout.yaxis = axis('', { tickvals: names.map((_, i) => names.length - 1 - i), ticktext: names, automargin: true });
  return { data, layout } as FigureSpec;
}
