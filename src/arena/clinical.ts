/**
 * The offline judge wired to the workbench's own metrics: the CheXpert-style rule labeler
 * (src/labels/chexpert.ts), the RadGraph-style extractor at the "partial" level
 * (src/metrics/radgraph.ts), and ROUGE-L (src/metrics/rouge.ts), compared in that order. Like the
 * metrics it is built from, it is an approximation: a proxy for a radiologist's preference.
 */
import { CHEXPERT_OBSERVATIONS } from '../data/types.js';
import { labelReport } from '../labels/chexpert.js';
import { extractGraph, graphItems, setF1, type RadGraphLevel } from '../metrics/radgraph.js';
import { rougeL } from '../metrics/rouge.js';
import { clinicalFactLevels, offlineFactJudge, type ClinicalFactMargins } from './judge-offline.js';
import type { Judge } from './types.js';

export function clinicalOfflineJudge(opts: { margins?: ClinicalFactMargins; radgraphLevel?: RadGraphLevel; labelMode?: 'mentioned' | 'binary' } = {}): Judge {
  const level = opts.radgraphLevel ?? 'partial';
  const labelMode = opts.labelMode ?? 'mentioned';
  const items = new Map<string, Set<string>>();
  const itemsOf = (t: string) => {
    let s = items.get(t);
    if (!s) items.set(t, (s = graphItems(extractGraph(t), level)));
    return s;
  };
  const levels = clinicalFactLevels(
    {
      labeler: { label: (t) => labelReport(t), observations: CHEXPERT_OBSERVATIONS, mode: labelMode },
      radgraphF1: (c, r) => setF1(itemsOf(c), itemsOf(r)),
      text: { name: 'rougeL', score: (c, r) => rougeL(c, [r]) },
    },
    opts.margins,
  );
  return offlineFactJudge(levels, { name: `offline:labels-${labelMode}>radgraph-${level}>rougeL` });
}
