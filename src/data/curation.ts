/**
 * Numbers that describe a curated dataset, for tables and distribution charts (notebook 01): per
 * study rows, CheXpert label distribution, finding prevalence, record composition, report lengths,
 * vocabulary. Plain objects, ready for a danfojs DataFrame or a plotly figure.
 */
import { CHEXPERT_OBSERVATIONS, type InstructionRecord, type Study } from './types.js';
import type { FindingMeta } from './cohort.js';

export interface StudyRow {
  id: string;
  patientId: string;
  source: string;
  sex: string;
  age: number;
  view: string;
  findings: number;
  boxes: number;
  findingsWords: number;
  impressionWords: number;
}

const words = (t: string) => (t.trim() ? t.trim().split(/\s+/).length : 0);

export function studyRows(studies: readonly Study[]): StudyRow[] {
  return studies.map((s) => ({
    id: s.id,
    patientId: s.patientId,
    source: s.source,
    sex: s.sex,
    age: s.age,
    view: s.view,
    findings: ((s.meta?.findings as FindingMeta[] | undefined) ?? []).length,
    boxes: s.boxes.length,
    findingsWords: words(s.findings),
    impressionWords: words(s.impression),
  }));
}

export interface LabelRow {
  observation: string;
  positive: number;
  negative: number;
  uncertain: number;
  notMentioned: number;
}

/** How often each CheXpert observation is 1, 0, -1 or absent. */
export function labelDistribution(studies: readonly Study[]): LabelRow[] {
  return CHEXPERT_OBSERVATIONS.map((o) => {
    const row: LabelRow = { observation: o, positive: 0, negative: 0, uncertain: 0, notMentioned: 0 };
    for (const s of studies) {
      const v = s.labels[o];
      if (v === 1) row.positive++;
      else if (v === 0) row.negative++;
      else if (v === -1) row.uncertain++;
      else row.notMentioned++;
    }
    return row;
  });
}

/** Studies per drawn finding (synthetic truth) or per box finding name (real sources). */
export function findingPrevalence(studies: readonly Study[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of studies) {
    const meta = s.meta?.findings as FindingMeta[] | undefined;
    const names = meta ? meta.map((f) => f.name) : s.boxes.map((b) => b.finding);
    for (const n of new Set(names)) out[n] = (out[n] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/** Count records by a key: task, questionType, split, source, answerKind or vqaSet. */
export function composition(records: readonly InstructionRecord[], by: 'task' | 'questionType' | 'split' | 'source' | 'answerKind' | 'vqaSet'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const k = String(r[by] ?? '-');
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Word lengths of the FINDINGS and IMPRESSION sections (empty sections left out). */
export function reportLengths(studies: readonly { findings: string; impression: string }[]): { findings: number[]; impression: number[] } {
  return {
    findings: studies.map((s) => words(s.findings)).filter((n) => n > 0),
    impression: studies.map((s) => words(s.impression)).filter((n) => n > 0),
  };
}

/** Distinct lower-case word tokens (punctuation split off) over the reports: the vocabulary a decoder must learn. */
export function reportVocabulary(texts: readonly string[]): Map<string, number> {
  const v = new Map<string, number>();
  for (const t of texts) for (const w of t.toLowerCase().match(/[a-z]+(?:-[a-z]+)*|\d+(?:\.\d+)?|[.,;:]/g) ?? []) v.set(w, (v.get(w) ?? 0) + 1);
  return v;
}

/** One study per requested finding kind (first match), for an example grid. */
export function examplesByFinding(studies: readonly Study[], kinds: readonly string[]): Study[] {
  const out: Study[] = [];
  for (const k of kinds) {
    const s = studies.find((x) => !out.includes(x) && ((x.meta?.findings as FindingMeta[] | undefined) ?? []).some((f) => f.kind === k));
    if (s) out.push(s);
  }
  return out;
}
