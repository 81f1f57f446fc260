/**
 * Expert review records (what the viewer saves, one JSON object per line) and the paper's Table 2
 * computed from them: per model, the mean relevance / correctness / completeness, the grounded and
 * overall preference rates from pairwise choices, and the agreement between two reviewer groups.
 */
import { readJsonl } from '../util/fsx.js';

export const CRITERIA = ['relevance', 'correctness', 'completeness'] as const;
export type Criterion = (typeof CRITERIA)[number];
export const PREFERENCES = ['grounded', 'overall'] as const;
export type PreferenceKind = (typeof PREFERENCES)[number];

/** Table 2's column names, in the paper's order. */
export const TABLE2_COLUMNS = ['Relevance', 'Correctness', 'Completeness', 'Grounded Preference', 'Overall Preference'] as const;

/** One reviewer's judgement of one item (one line of the review JSONL). */
export interface ReviewRecord {
  itemId: string;
  reviewer: string;
  /** Reviewer group (the paper compares two groups of experts). */
  group: string;
  /** ISO time of submission. */
  time: string;
  /** Highest score on the scale; scores run 0..scaleMax and count as score/scaleMax. */
  scaleMax: number;
  /** model -> criterion -> score (integer 0..scaleMax). */
  scores: Record<string, Record<Criterion, number>>;
  /** Pairwise choice between exactly two models, when two were shown. */
  preference?: {
    models: [string, string];
    /** The model preferred, or 'tie'. */
    grounded: string;
    overall: string;
  };
}

/** Check one record's fields; the error names the file line and the field. */
export function validateReview(r: unknown, where = 'review'): ReviewRecord {
  const fail = (field: string, why: string): never => {
    throw new Error(`${where}: field '${field}' ${why}`);
  };
  if (!r || typeof r !== 'object') fail('(record)', 'is not an object');
  const o = r as Record<string, unknown>;
  for (const f of ['itemId', 'reviewer', 'group'] as const) if (typeof o[f] !== 'string' || o[f] === '') fail(f, 'must be a non-empty string');
  const scaleMax = o.scaleMax;
  if (typeof scaleMax !== 'number' || !Number.isInteger(scaleMax) || scaleMax < 1) fail('scaleMax', 'must be an integer ≥ 1');
  if (!o.scores || typeof o.scores !== 'object') fail('scores', 'must be an object of model -> criterion -> score');
  for (const [model, s] of Object.entries(o.scores as Record<string, unknown>)) {
    for (const c of CRITERIA) {
      const v = (s as Record<string, unknown> | null)?.[c];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > (scaleMax as number)) fail(`scores.${model}.${c}`, `must be an integer in 0..${scaleMax}`);
    }
  }
  if (o.preference !== undefined) {
    const p = o.preference as Record<string, unknown>;
    const models = p?.models;
    if (!Array.isArray(models) || models.length !== 2 || models.some((m) => typeof m !== 'string') || models[0] === models[1]) fail('preference.models', 'must be two different model names');
    for (const k of PREFERENCES) if (p[k] !== 'tie' && !(models as string[]).includes(p[k] as string)) fail(`preference.${k}`, `must be one of ${(models as string[]).join(', ')} or 'tie'`);
  }
  return o as unknown as ReviewRecord;
}

/** Read and validate review files (errors name the file and line). */
export function readReviews(paths: string[]): ReviewRecord[] {
  const out: ReviewRecord[] = [];
  for (const p of paths) {
    const rows = readJsonl<unknown>(p, { repairTornTail: true });
    rows.forEach((r, i) => out.push(validateReview(r, `${p}: record ${i + 1}`)));
  }
  return out;
}

/** Per model: Table 2's five numbers, and how many judgements each rests on. */
export interface Table2Row {
  model: string;
  values: Record<(typeof TABLE2_COLUMNS)[number], number>;
  n: { scores: number; preferences: number };
}

/** The latest record per (reviewer, item): a reviewer who resubmits replaces their earlier answer. */
export function latestPerReviewer(records: ReviewRecord[]): ReviewRecord[] {
  const byKey = new Map<string, ReviewRecord>();
  for (const r of records) byKey.set(`${r.reviewer}\u0000${r.itemId}`, r);
  return [...byKey.values()];
}

/** 1 win, ½ tie, 0 loss for `model` in one pairwise choice. */
function outcome(choice: string, model: string): number {
  return choice === 'tie' ? 0.5 : choice === model ? 1 : 0;
}

/**
 * Table 2: mean normalised score per criterion over every (item, reviewer) judgement of the model,
 * and preference rate = (wins + ½·ties) / comparisons the model took part in.
 */
export function table2(records: ReviewRecord[]): Table2Row[] {
  const recs = latestPerReviewer(records);
  const acc = new Map<string, { sums: Record<Criterion, number>; n: number; pref: Record<PreferenceKind, number>; np: number }>();
  const get = (m: string) => {
    let a = acc.get(m);
    if (!a) acc.set(m, (a = { sums: { relevance: 0, correctness: 0, completeness: 0 }, n: 0, pref: { grounded: 0, overall: 0 }, np: 0 }));
    return a;
  };
  for (const r of recs) {
    for (const [model, s] of Object.entries(r.scores)) {
      const a = get(model);
      for (const c of CRITERIA) a.sums[c] += s[c] / r.scaleMax;
      a.n++;
    }
    if (r.preference)
      for (const model of r.preference.models) {
        const a = get(model);
        for (const k of PREFERENCES) a.pref[k] += outcome(r.preference[k], model);
        a.np++;
      }
  }
  return [...acc.entries()].map(([model, a]) => ({
    model,
    values: {
      Relevance: a.n ? a.sums.relevance / a.n : NaN,
      Correctness: a.n ? a.sums.correctness / a.n : NaN,
      Completeness: a.n ? a.sums.completeness / a.n : NaN,
      'Grounded Preference': a.np ? a.pref.grounded / a.np : NaN,
      'Overall Preference': a.np ? a.pref.overall / a.np : NaN,
    },
    n: { scores: a.n, preferences: a.np },
  }));
}

/**
 * Inter-group agreement per Table 2 column: for every unit both groups judged (an (item, model)
 * score, or an item's pairwise choice), each group's value is the mean over its reviewers (scores
 * normalised to [0, 1]; a choice counted 1 / ½ / 0 for the first model of the sorted pair), and the
 * agreement is 1 − the mean absolute difference between the groups. With one reviewer per group and
 * yes/no scores (or no ties) this is the plain fraction of units on which the groups agree.
 */
export function groupAgreement(records: ReviewRecord[], groupA: string, groupB: string): Record<(typeof TABLE2_COLUMNS)[number], { agreement: number; units: number }> {
  const recs = latestPerReviewer(records);
  type Acc = Map<string, { a: number[]; b: number[] }>;
  const units: Record<string, Acc> = Object.fromEntries(TABLE2_COLUMNS.map((c) => [c, new Map()]));
  const put = (col: string, key: string, group: string, v: number) => {
    const m = units[col];
    let u = m.get(key);
    if (!u) m.set(key, (u = { a: [], b: [] }));
    if (group === groupA) u.a.push(v);
    else if (group === groupB) u.b.push(v);
  };
  const colOf: Record<Criterion, (typeof TABLE2_COLUMNS)[number]> = { relevance: 'Relevance', correctness: 'Correctness', completeness: 'Completeness' };
  for (const r of recs) {
    if (r.group !== groupA && r.group !== groupB) continue;
    for (const [model, s] of Object.entries(r.scores)) for (const c of CRITERIA) put(colOf[c], `${r.itemId}\u0000${model}`, r.group, s[c] / r.scaleMax);
    if (r.preference) {
      const [first] = [...r.preference.models].sort();
      const pairKey = `${r.itemId}\u0000${[...r.preference.models].sort().join('\u0000')}`;
      put('Grounded Preference', pairKey, r.group, outcome(r.preference.grounded, first));
      put('Overall Preference', pairKey, r.group, outcome(r.preference.overall, first));
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const out = {} as Record<(typeof TABLE2_COLUMNS)[number], { agreement: number; units: number }>;
  for (const col of TABLE2_COLUMNS) {
    let sum = 0;
    let n = 0;
    for (const u of units[col].values()) {
      if (!u.a.length || !u.b.length) continue;
      sum += 1 - Math.abs(mean(u.a) - mean(u.b));
      n++;
    }
    out[col] = { agreement: n ? sum / n : NaN, units: n };
  }
  return out;
}

/** Table 2 as Markdown, with the agreement row when two groups are named. */
export function table2Markdown(rows: Table2Row[], agreement?: Record<string, { agreement: number; units: number }>, digits = 4): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
  const lines = [`| Model | ${TABLE2_COLUMNS.join(' | ')} | n (scores / pairs) |`, `|---|${TABLE2_COLUMNS.map(() => '---:').join('|')}|---:|`];
  for (const r of rows) lines.push(`| ${r.model} | ${TABLE2_COLUMNS.map((c) => f(r.values[c])).join(' | ')} | ${r.n.scores} / ${r.n.preferences} |`);
  if (agreement) lines.push(`| Agreement | ${TABLE2_COLUMNS.map((c) => f(agreement[c]?.agreement ?? NaN)).join(' | ')} | ${TABLE2_COLUMNS.map((c) => agreement[c]?.units ?? 0).join('/')} units |`);
  return lines.join('\n') + '\n';
}
