/**
 * The grounded-output measures the paper's cold start is for: format compliance, boxes per answer,
 * and how well the boxes written in the reasoning match the true regions of the item (IoU).
 */
import type { InstructionRecord, Study } from '../data/types.js';
import { truthBoxes } from '../reasoning/synthesizer.js';
import { boxIou, extractBoxes, extractThink, isWellFormatted } from '../text/parse.js';

export interface GroundedOutputStats {
  n: number;
  /** Share of outputs matching the paper's format pattern. */
  formatRate: number;
  /** Mean number of boxes inside the `<think>` block (0 when there is none). */
  meanBoxes: number;
  /** Share of outputs with at least one box in `<think>`. */
  withBoxesRate: number;
  /** Share of think-block boxes with every coordinate inside [0, bound]. */
  inBoundRate: number | null;
  /** Over items with true regions: mean over true boxes of the best IoU with an output box. */
  meanIou: number | null;
  /** Share of think-block boxes whose best IoU with a true region of their item is ≥ 0.5 (an item without true regions matches none). */
  boxMatchRate: number | null;
  itemsWithTruth: number;
}

/** The grounding measures of a set of outputs against the true regions of their items. */
export function groundedOutputStats(
  preds: readonly { id: string; text: string }[],
  records: readonly InstructionRecord[],
  studies: ReadonlyMap<string, Study>,
  bound: number,
): GroundedOutputStats {
  const byId = new Map(records.map((r) => [r.id, r]));
  let formatted = 0;
  let boxes = 0;
  let withBoxes = 0;
  let inBound = 0;
  let matched = 0;
  const ious: number[] = [];
  for (const p of preds) {
    const r = byId.get(p.id);
    if (!r) throw new Error(`groundedOutputStats: prediction id ${p.id} is not among the records`);
    if (isWellFormatted(p.text)) formatted++;
    const think = extractThink(p.text);
    const bs = think === null ? [] : extractBoxes(think);
    boxes += bs.length;
    if (bs.length) withBoxes++;
    inBound += bs.filter((b) => b.every((v) => v >= 0 && v <= bound)).length;
    const truth = truthBoxes({ record: r, study: studies.get(r.studyId) });
    matched += bs.filter((b) => truth.some((t) => boxIou(b, t.box) >= 0.5)).length;
    if (truth.length) {
      const best = truth.map((t) => bs.reduce((m, b) => Math.max(m, boxIou(b, t.box)), 0));
      ious.push(best.reduce((a, b) => a + b, 0) / best.length);
    }
  }
  const n = preds.length;
  return {
    n,
    formatRate: n ? formatted / n : 0,
    meanBoxes: n ? boxes / n : 0,
    withBoxesRate: n ? withBoxes / n : 0,
    inBoundRate: boxes ? inBound / boxes : null,
    meanIou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : null,
    boxMatchRate: boxes ? matched / boxes : null,
    itemsWithTruth: ious.length,
  };
}
