/**
 * Paper Fig. 3a–d: VQA accuracy by question type, and per-observation F1 / recall / precision of
 * the answers (bars per observation, one series per model).
 */
import { CHEXPERT_OBSERVATIONS } from '../data/types.js';
import { groupedBars, type SeriesTable } from './charts.js';
import type { FigureSpec } from './spec.js';

/** The question types of the two VQA sets, in the order the figure shows them. */
export const QUESTION_TYPE_ORDER = ['presence', 'abnormality', 'attribute', 'anatomy', 'location', 'size', 'plane', 'view', 'gender', 'level', 'type'];

/** Fig. 3a: accuracy per question type, one series per model. */
export function vqaByQuestionTypeFigure(acc: Record<string, Record<string, number>>, title = 'Fig. 3a: VQA accuracy by question type'): FigureSpec {
  const present = new Set(Object.values(acc).flatMap((r) => Object.keys(r)));
  const order = [...QUESTION_TYPE_ORDER.filter((q) => present.has(q)), ...[...present].filter((q) => !QUESTION_TYPE_ORDER.includes(q))];
  return groupedBars(acc, { title, valueTitle: 'accuracy', categoryTitle: 'question type', categoryOrder: order, range: [0, 1] });
}

/** Which per-observation measure a Fig. 3 panel shows. */
export type ObservationMeasure = 'F1' | 'recall' | 'precision';

/**
 * The row order of Fig. 3b–d: CheXpert's observations first, in the labeler's order (matched without
 * regard to case, as VQA answers write them in lower case), then the rest in first-seen order across
 * the tables given — pass all three panels' tables so they share one order.
 */
export function observationOrder(...tables: (Record<string, Partial<Record<string, number>>> | undefined)[]): string[] {
  const seen: string[] = [];
  for (const t of tables) for (const row of Object.values(t ?? {})) for (const k of Object.keys(row)) if (!seen.includes(k)) seen.push(k);
  const rank = (o: string) => CHEXPERT_OBSERVATIONS.findIndex((c) => c.toLowerCase() === o.toLowerCase());
  const known = seen.filter((o) => rank(o) >= 0).sort((a, b) => rank(a) - rank(b));
  return [...known, ...seen.filter((o) => rank(o) < 0)];
}

/**
 * Fig. 3b–d: one measure per observation for each model, horizontal bars (observation names are
 * long), rows in `order` (default: observationOrder of these scores). A model with no value for an
 * observation (e.g. precision where it never gave that answer) has no bar there.
 */
export function perObservationFigure(
  scores: Record<string, Partial<Record<string, number>>>,
  measure: ObservationMeasure,
  title = `Fig. 3: ${measure} per observation`,
  order: readonly string[] = observationOrder(scores),
): FigureSpec {
  const table: SeriesTable = {};
  for (const [model, row] of Object.entries(scores)) table[model] = Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
  const spec = groupedBars(table, { title, valueTitle: measure, horizontal: true, categoryOrder: order, range: [0, 1.1], labels: true, digits: 2 });
  (spec.layout as Record<string, unknown>).margin = { l: 190, r: 30, t: 60, b: 90 };
  return spec;
}
