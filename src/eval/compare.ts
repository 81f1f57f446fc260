/**
 * Stages against each other on held-out items: greedy outputs of each checkpoint (or predictions
 * already made, e.g. the job's on the benchmark), then the grounded-output
 * measures (format compliance, boxes per answer, IoU with the true regions) and the Table-1 / VQA
 * metrics of the harness (answers read from the last `\boxed{}` when there is one).
 */
import type { InstructionRecord, Study } from '../data/types.js';
import { loadModel } from '../model/checkpoint.js';
import { evaluateRecords, type EvaluationResult } from './harness.js';
import { predictRecords, type Prediction } from './predict.js';
import type { PromptTemplates } from '../data/templates.js';
import { withFormatPrompts } from '../data/templates.js';
import { groundedOutputStats, type GroundedOutputStats } from './grounding.js';

export interface StageUnderTest {
  name: string;
  /** Checkpoint directory. */
  checkpoint: string;
  /** Ask with the training format instruction appended (as stage 2 was trained). */
  formatPrompt: boolean;
  /** Predictions already made on these records with this prompt (the checkpoint is then not run). */
  predictions?: readonly Prediction[];
}

export interface StageComparisonRow {
  name: string;
  formatPrompt: boolean;
  grounded: GroundedOutputStats;
  /** Format compliance per task. */
  formatRateByTask: Record<string, number>;
  metrics: EvaluationResult;
  predictions: Prediction[];
}

export async function compareStages(
  stages: readonly StageUnderTest[],
  records: readonly InstructionRecord[],
  o: { studies: ReadonlyMap<string, Study>; imageRoot: string; templates: PromptTemplates; bound: number; batchSize?: number; maxNewTokens?: number; quiet?: boolean; boxGrammar?: boolean },
): Promise<StageComparisonRow[]> {
  const rows: StageComparisonRow[] = [];
  for (const s of stages) {
    const predictions = s.predictions ? pick(s.predictions, records) : await decode(s, records, o);
    const grounded = groundedOutputStats(predictions, records, o.studies, o.bound);
    const formatRateByTask: Record<string, number> = {};
    for (const task of [...new Set(records.map((r) => r.task))]) {
      const ids = new Set(records.filter((r) => r.task === task).map((r) => r.id));
      formatRateByTask[task] = groundedOutputStats(predictions.filter((p) => ids.has(p.id)), records, o.studies, o.bound).formatRate;
    }
    rows.push({ name: s.name, formatPrompt: s.formatPrompt, grounded, formatRateByTask, metrics: evaluateRecords(records, predictions), predictions });
  }
  return rows;
}

/** The predictions of the records, in their order; a record without one is an error. */
function pick(preds: readonly Prediction[], records: readonly InstructionRecord[]): Prediction[] {
  const byId = new Map(preds.map((p) => [p.id, p]));
  return records.map((r) => {
    const p = byId.get(r.id);
    if (!p) throw new Error(`compareStages: no prediction for ${r.id}`);
    return p;
  });
}

async function decode(s: StageUnderTest, records: readonly InstructionRecord[], o: { imageRoot: string; templates: PromptTemplates; batchSize?: number; maxNewTokens?: number; quiet?: boolean; boxGrammar?: boolean }): Promise<Prediction[]> {
  const { model, tokenizer } = loadModel(s.checkpoint);
  try {
    const asked = s.formatPrompt ? withFormatPrompts(records, o.templates) : [...records];
    return await predictRecords(model, tokenizer, asked, { imageRoot: o.imageRoot, batchSize: o.batchSize, maxNewTokens: o.maxNewTokens, quiet: o.quiet, boxGrammar: o.boxGrammar });
  } finally {
    model.dispose();
  }
}

/** One Markdown table: grounded measures, mean report metrics, VQA accuracy per stage. */
export function comparisonMarkdown(rows: readonly StageComparisonRow[]): string {
  const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
  const reportMean = (m: EvaluationResult, col: string) => {
    const vals = Object.values(m.report).map((r) => r[col]);
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
  };
  const vqa = (m: EvaluationResult) => {
    const v = Object.values(m.vqa);
    const n = v.reduce((a, x) => a + x.n, 0);
    return n ? v.reduce((a, x) => a + x.overall * x.n, 0) / n : NaN;
  };
  const lines = [
    '| model | prompt | n | format | boxes / answer | with boxes | in bound | IoU with true regions | boxes on a true region | BLEU-4 | ROUGE-L | METEOR | Macro-F1-14 | report Average | VQA accuracy |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const g = r.grounded;
    lines.push(
      `| ${r.name} | ${r.formatPrompt ? '+format' : 'plain'} | ${g.n} | ${f(g.formatRate)} | ${f(g.meanBoxes, 2)} | ${f(g.withBoxesRate)} | ${f(g.inBoundRate)} | ${f(g.meanIou)} | ${f(g.boxMatchRate)} | ` +
        `${f(reportMean(r.metrics, 'BLEU-4'))} | ${f(reportMean(r.metrics, 'ROUGE-L'))} | ${f(reportMean(r.metrics, 'METEOR'))} | ${f(reportMean(r.metrics, 'Macro-14'))} | ${f(reportMean(r.metrics, 'Average'))} | ${f(vqa(r.metrics))} |`,
    );
  }
  return lines.join('\n');
}
