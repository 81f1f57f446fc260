/**
 * Scores of a model's predictions on held-out instruction records (any stage; `deepmedix predict
 * --metrics`, notebook 03): Table-1 report metrics (src/metrics/report.ts)
 * for the findings and impression tasks, VQA accuracy (src/metrics/vqa.ts) per question type, and
 * grounding IoU — for the model's predictions and for constant baselines made from the training
 * records (the most frequent training report of each section, which is a normal study's; the most
 * frequent training answer of each VQA question type; the mean training box).
 */
import type { Box, InstructionRecord } from '../data/types.js';
import { reportMetrics } from '../metrics/report.js';
import { vqaAccuracy, vqaScore, type VqaAccuracy } from '../metrics/vqa.js';
import { boxIou, extractBoxes } from '../text/parse.js';
import { Rng } from '../util/rng.js';

export interface GroundingScore {
  /** Mean IoU of the first predicted box with the true box (0 when none is written). */
  meanIoU: number;
  /** Fraction with IoU ≥ 0.5. */
  hitRate: number;
  n: number;
}

export interface InstructionScores {
  findings: Record<string, number> | null;
  impression: Record<string, number> | null;
  vqa: VqaAccuracy | null;
  grounding: GroundingScore | null;
  n: number;
}

/** Score predictions (by record id) on records; a record without a prediction is an error naming it. */
export function scoreInstructions(records: readonly InstructionRecord[], predictions: ReadonlyMap<string, string>): InstructionScores {
  const missing = records.filter((r) => !predictions.has(r.id)).map((r) => r.id);
  if (missing.length) throw new Error(`scoring: no prediction for ${missing.length} records (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`);
  const pred = (r: InstructionRecord) => predictions.get(r.id)!;
  const report = (task: string) => {
    const rs = records.filter((r) => r.task === task);
    return rs.length ? reportMetrics(rs.map(pred), rs.map((r) => r.answer)) : null;
  };
  const vqaRecs = records.filter((r) => r.task === 'vqa');
  const grounding = records.filter((r) => r.task === 'grounding');
  let g: GroundingScore | null = null;
  if (grounding.length) {
    const ious = grounding.map((r) => {
      const truth = extractBoxes(r.answer)[0];
      const guess = extractBoxes(pred(r))[0];
      return truth && guess ? boxIou(guess, truth) : 0;
    });
    g = { meanIoU: ious.reduce((a, b) => a + b, 0) / ious.length, hitRate: ious.filter((x) => x >= 0.5).length / ious.length, n: ious.length };
  }
  return {
    findings: report('report-findings'),
    impression: report('report-impression'),
    vqa: vqaRecs.length ? vqaAccuracy(vqaRecs.map((r) => ({ questionType: r.questionType, score: vqaScore(pred(r), r.answer, r.answerKind) }))) : null,
    grounding: g,
    n: records.length,
  };
}

/**
 * A control: the same records with their images permuted among them (seeded). A model that reads
 * the image loses accuracy on these; one that answers from the prompt alone does not.
 */
export function shuffleImages(records: readonly InstructionRecord[], seed: number): InstructionRecord[] {
  const perm = new Rng(seed).shuffle(records.map((r) => r.images));
  return records.map((r, i) => ({ ...r, images: perm[i] }));
}

function mostFrequent(values: readonly string[]): string {
  const c = new Map<string, number>();
  for (const v of values) c.set(v, (c.get(v) ?? 0) + 1);
  let best = '';
  let n = -1;
  for (const [v, k] of c) if (k > n) (best = v), (n = k);
  return best;
}

/** Constant predictions from the training records (see the module comment). */
export function constantBaseline(train: readonly InstructionRecord[], test: readonly InstructionRecord[]): Map<string, string> {
  const byTask = (t: string) => train.filter((r) => r.task === t).map((r) => r.answer);
  const findings = mostFrequent(byTask('report-findings'));
  const impression = mostFrequent(byTask('report-impression'));
  const vqaByType = new Map<string, string>();
  for (const t of new Set(train.filter((r) => r.task === 'vqa').map((r) => r.questionType))) {
    vqaByType.set(t, mostFrequent(train.filter((r) => r.task === 'vqa' && r.questionType === t).map((r) => r.answer)));
  }
  const vqaAll = mostFrequent(byTask('vqa'));
  const boxes = train.filter((r) => r.task === 'grounding').flatMap((r) => extractBoxes(r.answer).slice(0, 1));
  const mean = boxes.length ? ([0, 1, 2, 3].map((i) => Math.round(boxes.reduce((a, b) => a + b[i], 0) / boxes.length)) as Box) : ([0, 0, 0, 0] as Box);
  const out = new Map<string, string>();
  for (const r of test) {
    if (r.task === 'report-findings') out.set(r.id, findings);
    else if (r.task === 'report-impression') out.set(r.id, impression);
    else if (r.task === 'vqa') out.set(r.id, vqaByType.get(r.questionType) ?? vqaAll);
    else out.set(r.id, `[${mean.join(', ')}]`);
  }
  return out;
}

/** A Markdown table comparing metric sets (rows: metrics; columns: named systems). */
export function instructionScoresTable(systems: Record<string, InstructionScores>): string {
  const names = Object.keys(systems);
  const rows: [string, (m: InstructionScores) => number | undefined][] = [];
  for (const sec of ['findings', 'impression'] as const) {
    for (const col of ['BLEU-1', 'BLEU-4', 'METEOR', 'ROUGE-L', 'F1-RadGraph', 'Macro-14', 'Micro-14', 'Macro-5', 'Micro-5', 'Average']) {
      rows.push([`${sec} ${col}`, (m) => m[sec]?.[col]]);
    }
  }
  rows.push(['VQA accuracy (items)', (m) => m.vqa?.overall], ['VQA accuracy (mean over types)', (m) => m.vqa?.meanOverTypes]);
  rows.push(['grounding mean IoU', (m) => m.grounding?.meanIoU], ['grounding IoU≥0.5', (m) => m.grounding?.hitRate]);
  const fmt = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));
  return [`| metric | ${names.join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`, ...rows.map(([label, f]) => `| ${label} | ${names.map((n) => fmt(f(systems[n]))).join(' | ')} |`)].join('\n');
}
