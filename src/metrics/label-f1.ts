/**
 * F1 over CheXpert labels, as the field's "F1-CheXbert" columns compute it: positive (1) or
 * uncertain (−1) counts as 1, negative or unmentioned as 0; per observation F1 (0 when it has no
 * true or predicted positives, as scikit-learn's zero_division=0), macro = the mean over the
 * observations, micro = F1 of the pooled counts. Over the 14 observations and over the 5
 * (Atelectasis, Cardiomegaly, Consolidation, Edema, Pleural Effusion).
 * Conventions differ between papers' evaluation scripts: some count only positive labels as 1
 * (`{ uncertain: 'negative' }` here); the default follows the workbench's design (uncertain = 1).
 * Complexity: O(14·R) for R reports (the labels are computed elsewhere).
 */
import { CHEXPERT_5, CHEXPERT_OBSERVATIONS, type Labels, type Observation } from '../data/types.js';

export interface LabelF1 {
  'Macro-14': number;
  'Micro-14': number;
  'Macro-5': number;
  'Micro-5': number;
  /** Per observation: F1 and the counts. */
  perObservation: Record<Observation, { f1: number; tp: number; fp: number; fn: number }>;
}

export interface LabelF1Options {
  /** How an uncertain (−1) label counts: as positive (default) or as negative. */
  uncertain?: 'positive' | 'negative';
}
const f1 = (tp: number, fp: number, fn: number): number => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

export function chexpertF1(hypLabels: readonly Labels[], refLabels: readonly Labels[], opts: LabelF1Options = {}): LabelF1 {
  const uncertainCounts = (opts.uncertain ?? 'positive') === 'positive';
  const isPositive = (l: Labels, o: Observation): boolean => l[o] === 1 || (uncertainCounts && l[o] === -1);
  if (hypLabels.length !== refLabels.length) throw new Error(`CheXpert F1: ${hypLabels.length} predicted but ${refLabels.length} reference label sets`);
  const per = {} as LabelF1['perObservation'];
  for (const o of CHEXPERT_OBSERVATIONS) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < hypLabels.length; i++) {
      const h = isPositive(hypLabels[i], o);
      const r = isPositive(refLabels[i], o);
      if (h && r) tp++;
      else if (h) fp++;
      else if (r) fn++;
    }
    per[o] = { f1: f1(tp, fp, fn), tp, fp, fn };
  }
  const summarize = (obs: readonly Observation[]): [number, number] => {
    const macro = obs.reduce((s, o) => s + per[o].f1, 0) / obs.length;
    const tp = obs.reduce((s, o) => s + per[o].tp, 0);
    const fp = obs.reduce((s, o) => s + per[o].fp, 0);
    const fn = obs.reduce((s, o) => s + per[o].fn, 0);
    return [macro, f1(tp, fp, fn)];
  };
  const [m14, u14] = summarize(CHEXPERT_OBSERVATIONS);
  const [m5, u5] = summarize(CHEXPERT_5);
  return { 'Macro-14': m14, 'Micro-14': u14, 'Macro-5': m5, 'Micro-5': u5, perObservation: per };
}
