/**
 * What GRPO has to work with on VQA: a model's greedy answers against its own sampled ones.
 *
 * GRPO samples G responses per question and makes the better-than-average ones more likely. The
 * benchmark scores the greedy answer. So GRPO can raise the score only where the model's samples,
 * taken together, know more than its greedy answer. Two numbers say whether they do:
 * - **majority@G**: the score of the most frequent of the G sampled answers (self-consistency).
 *   Above the greedy score, the samples hold a better answer that RL can make the greedy one —
 *   the usual picture for large reasoning models, where RL turns majority@k into pass@1.
 * - **sampled mean**: the mean score of single samples. Below the greedy score, most of what a
 *   group's rewards rank is sampling noise (a sample that strayed from the greedy path), and the
 *   update mostly makes the model stray less — which the greedy answer does not show.
 * pass@G (the best of G) is printed too; with a handful of closed answers it is high for any model
 * that spreads its guesses, so it says little about headroom on its own.
 */
import type { InstructionRecord } from '../data/types.js';
import { predictedReport } from './harness.js';
import { normFree, vqaScore } from '../metrics/vqa.js';
import type { VisionLanguageModel } from '../model/vlm.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { predictRecords, sampleRecords, type SampleRecordsOptions } from './predict.js';

/** One VQA item: its greedy answer's score and, per sample, the extracted answer and its score. */
export interface HeadroomItem {
  source: string;
  greedy: number;
  samples: { answer: string; score: number }[];
  /** Score of the majority answer (`majorityAnswer` of the samples). */
  majority: number;
}

export interface HeadroomSummary {
  n: number;
  greedy: number;
  sampledMean: number;
  majority: number;
  passAtG: number;
}

/** The answer as majority voting compares it: VQA's free-text normalization (`normFree`), list items sorted. */
export function answerKey(answer: string, kind: InstructionRecord['answerKind']): string {
  return kind === 'list' ? answer.split('|').map(normFree).sort().join('|') : normFree(answer);
}

/** Index of the majority answer among keys: the most frequent; a tie goes to the one seen first. */
export function majorityIndex(keys: readonly string[]): number {
  if (keys.length === 0) throw new Error('majorityIndex: no answers');
  const count = new Map<string, number>();
  for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
  let best = 0;
  keys.forEach((k, i) => {
    if (count.get(k)! > count.get(keys[best])!) best = i;
  });
  return best;
}

/** Mean greedy, sampled, majority and best-of-G scores over items. */
export function summarizeHeadroom(items: readonly HeadroomItem[]): HeadroomSummary {
  if (items.length === 0) throw new Error('summarizeHeadroom: no items');
  const mean = (f: (x: HeadroomItem) => number) => items.reduce((s, x) => s + f(x), 0) / items.length;
  return {
    n: items.length,
    greedy: mean((x) => x.greedy),
    sampledMean: mean((x) => x.samples.reduce((s, y) => s + y.score, 0) / x.samples.length),
    majority: mean((x) => x.majority),
    passAtG: mean((x) => Math.max(...x.samples.map((y) => y.score))),
  };
}

export interface Headroom {
  temperature: number;
  samples: number;
  items: HeadroomItem[];
  /** 'all', then (when the items come from more than one image source) one row per source. */
  summary: Record<string, HeadroomSummary>;
}

/**
 * Greedy and G sampled answers of a model to VQA records (prompts as the model is asked, e.g. with
 * the format instruction), scored as the harness scores VQA. Records of other tasks are an error:
 * majority voting needs answers that can be equal.
 */
export async function samplingHeadroom(model: VisionLanguageModel, tok: Tokenizer, records: readonly InstructionRecord[], o: SampleRecordsOptions): Promise<Headroom> {
  const other = records.find((r) => r.task !== 'vqa');
  if (other) throw new Error(`samplingHeadroom: VQA records only (record ${other.id} is '${other.task}')`);
  const greedy = await predictRecords(model, tok, records, o);
  const sampled = await sampleRecords(model, tok, records, o);
  const items = records.map((r, i): HeadroomItem => {
    const score = (answer: string) => vqaScore(answer, r.answer, r.answerKind);
    const samples = sampled[i].texts.map((t) => {
      const answer = predictedReport(t);
      return { answer, score: score(answer) };
    });
    const top = majorityIndex(samples.map((s) => answerKey(s.answer, r.answerKind)));
    return { source: r.source ?? 'unknown', greedy: score(predictedReport(greedy[i].text)), samples, majority: samples[top].score };
  });
  const summary: Record<string, HeadroomSummary> = { all: summarizeHeadroom(items) };
  const sources = [...new Set(items.map((x) => x.source))].sort();
  if (sources.length > 1) for (const source of sources) summary[source] = summarizeHeadroom(items.filter((x) => x.source === source));
  return { temperature: o.temperature, samples: o.samples, items, summary };
}

/** One Markdown table: a row per (label, image source) with the four scores. */
export function headroomMarkdown(rows: readonly { label: string; headroom: Headroom }[]): string {
  const f = (x: number) => x.toFixed(3);
  const lines = ['| model | T | G | images | n | greedy | sampled mean | majority@G | pass@G |', '|---|---:|---:|---|---:|---:|---:|---:|---:|'];
  for (const { label, headroom: h } of rows) {
    for (const [source, s] of Object.entries(h.summary)) {
      lines.push(`| ${label} | ${h.temperature} | ${h.samples} | ${source} | ${s.n} | ${f(s.greedy)} | ${f(s.sampledMean)} | ${f(s.majority)} | ${f(s.passAtG)} |`);
    }
  }
  return lines.join('\n');
}
