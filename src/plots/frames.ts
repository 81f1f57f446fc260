/**
 * The workbench's tables as danfojs DataFrames, so a notebook cell can sort, filter, group and
 * write them to CSV (`df.sortValues('Average')`, `df.query(df['split'].eq('ext_vqa'))`,
 * `dfd.toCSV(df, { filePath })`) and show them (`tslab.display.html(frameHtml(df))`): Table 1 and the
 * VQA table from evaluation results, the filter's rule table, the arena's ranking and win-rate
 * matrix, and any list of row objects (`frame(rows)`, e.g. a study's table). Loaded only by the
 * notebooks and the tables they ask for (danfojs takes about two seconds to import).
 */
import * as dfd from 'danfojs-node';
import type { EvaluationResult } from '../eval/harness.js';
import type { FilterTable } from '../reasoning/filter.js';

export type Frame = dfd.DataFrame;
type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** A DataFrame of row objects; every row gets every column (missing cells are null). */
export function frame(rows: readonly object[]): Frame {
  if (!rows.length) throw new Error('frame: no rows');
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return new dfd.DataFrame(rows.map((r) => Object.fromEntries(columns.map((c) => [c, (r as Record<string, Cell>)[c] ?? null]))), { columns });
}

/** The rows of a DataFrame as objects (column -> cell). */
export function frameRows(df: Frame): Row[] {
  return dfd.toJSON(df, { format: 'column' }) as Row[];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An HTML table of a DataFrame (numbers rounded to `digits`), for `tslab.display.html`. */
export function frameHtml(df: Frame, o: { digits?: number; caption?: string } = {}): string {
  const digits = o.digits ?? 4;
  const cell = (v: Cell) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : escape(String(v ?? '')));
  // A row index that is not 0, 1, 2, … (e.g. describe()'s count/mean/std) is shown as the first column.
  const index = df.index.map(String);
  const named = index.some((k, i) => k !== String(i));
  const head = `<tr>${named ? '<th></th>' : ''}${df.columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>`;
  const body = frameRows(df).map((r, i) => `<tr>${named ? `<th>${escape(index[i])}</th>` : ''}${df.columns.map((c) => `<td${typeof r[c] === 'number' ? ' style="text-align:right"' : ''}>${cell(r[c])}</td>`).join('')}</tr>`);
  return `<table>${o.caption ? `<caption>${escape(o.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

/** Table 1: one row per model and report split (and the weighted average), the 11 metric columns, Average and n. */
export function table1Frame(results: Readonly<Record<string, EvaluationResult>>): Frame {
  const rows: Row[] = [];
  for (const [model, r] of Object.entries(results)) {
    for (const [split, m] of Object.entries(r.report)) rows.push({ model, split, ...m });
    if (r.weightedAverage) rows.push({ model, split: 'weighted average', ...r.weightedAverage });
  }
  return frame(rows);
}

/** The VQA table: one row per model, VQA split and question type (and 'all'), accuracy and n. */
export function vqaFrame(results: Readonly<Record<string, EvaluationResult>>): Frame {
  const rows: Row[] = [];
  for (const [model, r] of Object.entries(results)) {
    for (const [split, v] of Object.entries(r.vqa)) {
      rows.push({ model, split, questionType: 'all', accuracy: v.overall, n: v.n });
      for (const [questionType, t] of Object.entries(v.byType)) rows.push({ model, split, questionType, accuracy: t.accuracy, n: t.n });
    }
  }
  return frame(rows);
}

/** The filter's rule table: per rule, responses that failed it and responses dropped by it first. */
export function filterFrame(t: FilterTable): Frame {
  return frame(t.rows.map((r) => ({ rule: r.rule, failed: r.failed, dropped: r.dropped })));
}

/** A square matrix (e.g. the arena's win rates, row beats column) as a frame with a first column naming the rows. */
export function matrixFrame(names: readonly string[], m: readonly (readonly (number | null)[])[], first = 'model'): Frame {
  return frame(names.map((n, i) => ({ [first]: n, ...Object.fromEntries(names.map((c, j) => [c, m[i][j]])) })));
}
