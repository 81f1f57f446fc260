/**
 * Does the reasoning carry the answer? A reasoning model's VQA answers scored twice on the same
 * items: with the `<think>` block it writes, and with the response forced to start with an empty
 * `<think></think>`, so the answer comes without reasoning. If the two score alike (and mostly agree),
 * the reasoning is decorative — the answer comes from perception alone — and RL on the reasoning has
 * little to improve; if the empty block scores lower, the reasoning matters to the answer.
 */
import type { InstructionRecord } from '../data/types.js';
import { normFree, vqaScore } from '../metrics/vqa.js';
import type { VisionLanguageModel } from '../model/vlm.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { predictedReport } from './harness.js';
import { predictRecords, type PredictOptions } from './predict.js';

export interface ThinkAblation {
  n: number;
  /** VQA accuracy with the reasoning as generated, and with an empty think block. */
  withThink: number;
  emptyThink: number;
  /** Share of items whose extracted answer is the same both ways. */
  sameAnswer: number;
  /** Per question type: n and both accuracies. */
  byType: Record<string, { n: number; withThink: number; emptyThink: number }>;
}

/** The same VQA records (prompts as the model is asked) answered with and without reasoning. */
export async function thinkAblation(model: VisionLanguageModel, tok: Tokenizer, records: readonly InstructionRecord[], o: Omit<PredictOptions, 'responsePrefix'>): Promise<ThinkAblation> {
  const other = records.find((r) => r.task !== 'vqa');
  if (other) throw new Error(`thinkAblation: VQA records only (record ${other.id} is '${other.task}')`);
  const full = await predictRecords(model, tok, records, o);
  const empty = await predictRecords(model, tok, records, { ...o, responsePrefix: '<think></think>' });
  const byType: ThinkAblation['byType'] = {};
  let [a, b, same] = [0, 0, 0];
  records.forEach((r, i) => {
    const [x, y] = [predictedReport(full[i].text), predictedReport(empty[i].text)];
    const [sx, sy] = [vqaScore(x, r.answer, r.answerKind), vqaScore(y, r.answer, r.answerKind)];
    a += sx;
    b += sy;
    if (normFree(x) === normFree(y)) same++;
    const t = (byType[r.questionType] ??= { n: 0, withThink: 0, emptyThink: 0 });
    t.n++;
    t.withThink += sx;
    t.emptyThink += sy;
  });
  for (const t of Object.values(byType)) {
    t.withThink /= t.n;
    t.emptyThink /= t.n;
  }
  const n = records.length;
  return { n, withThink: a / n, emptyThink: b / n, sameAnswer: same / n, byType };
}
