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

/** One output's grounding counts: its format, the boxes in its reasoning, how many are in bounds and on a true region, and the coverage IoU. */
export interface OutputGrounding {
  formatted: boolean;
  boxes: number;
  inBound: number;
  /** Boxes whose best IoU with a true region of the item is ≥ 0.5. */
  matched: number;
  /** Mean over the item's true boxes of the best IoU with an output box; null without true regions. */
  coverage: number | null;
}

export function outputGrounding(text: string, record: InstructionRecord, study: Study | undefined, bound: number): OutputGrounding {
  const think = extractThink(text);
  const bs = think === null ? [] : extractBoxes(think);
  const truth = truthBoxes({ record, study });
  const best = truth.map((t) => bs.reduce((m, b) => Math.max(m, boxIou(b, t.box)), 0));
  return {
    formatted: isWellFormatted(text),
    boxes: bs.length,
    inBound: bs.filter((b) => b.every((v) => v >= 0 && v <= bound)).length,
    matched: bs.filter((b) => truth.some((t) => boxIou(b, t.box) >= 0.5)).length,
    coverage: truth.length ? best.reduce((a, b) => a + b, 0) / best.length : null,
  };
}

/** The grounding measures of a set of outputs against the true regions of their items. */
export function groundedOutputStats(
  preds: readonly { id: string; text: string }[],
  records: readonly InstructionRecord[],
  studies: ReadonlyMap<string, Study>,
  bound: number,
): GroundedOutputStats {
  const byId = new Map(records.map((r) => [r.id, r]));
  const per = preds.map((p) => {
    const r = byId.get(p.id);
    if (!r) throw new Error(`groundedOutputStats: prediction id ${p.id} is not among the records`);
    return outputGrounding(p.text, r, studies.get(r.studyId), bound);
  });
  const sum = (f: (g: OutputGrounding) => number) => per.reduce((a, g) => a + f(g), 0);
  const n = preds.length;
  const boxes = sum((g) => g.boxes);
  const ious = per.filter((g) => g.coverage !== null).map((g) => g.coverage!);
  return {
    n,
    formatRate: n ? sum((g) => (g.formatted ? 1 : 0)) / n : 0,
    meanBoxes: n ? boxes / n : 0,
    withBoxesRate: n ? sum((g) => (g.boxes > 0 ? 1 : 0)) / n : 0,
    inBoundRate: boxes ? sum((g) => g.inBound) / boxes : null,
    meanIou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : null,
    boxMatchRate: boxes ? sum((g) => g.matched) / boxes : null,
    itemsWithTruth: ious.length,
  };
}
