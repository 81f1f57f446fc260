/**
 * Predictions of any OpenAI-compatible endpoint (`deepmedix serve`, vLLM serving Qwen2.5-VL or
 * DeepMedix-R1, …) on benchmark records, through the workbench's chat client, into
 * `{"id","text"}` JSONL.
 *
 * Resumable: each answer is appended to the output as it arrives, and a rerun skips the ids
 * already there (a torn last line, left by a killed run, is dropped first). When every record is
 * answered the file is rewritten atomically in benchmark order.
 */
import { existsSync } from 'node:fs';
import type { InstructionRecord } from '../data/types.js';
import { imagePart, textPart, type ChatMessage, type ChatModel } from '../llm/client.js';
import { recordImagePath } from '../model/inputs.js';
import type { Prediction } from './predict.js';
import { appendJsonl, readJsonlDetailed, writeJsonl } from '../util/fsx.js';
import { Progress } from '../util/progress.js';

export interface EndpointPredictOptions {
  /** Directory that relative image paths are resolved against. */
  imageRoot: string;
  /** The predictions JSONL (appended to, resumed from). */
  out: string;
  /** Default 0 (greedy, as `predict --checkpoint`). */
  temperature?: number;
  /** `max_tokens`; absent = the endpoint's default. */
  maxTokens?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  quiet?: boolean;
  /** Where the progress bar writes (default stderr). */
  progressStream?: { write(s: string): unknown; isTTY?: boolean };
}

export interface EndpointPredictResult {
  /** Every benchmark record's prediction, in benchmark order. */
  predictions: Prediction[];
  /** Requests sent by this run. */
  requested: number;
  /** Records already in the output file (skipped). */
  resumed: number;
}

/** The chat messages for one record: its first image (as `predict --checkpoint` uses) and its prompt. */
export function recordMessages(r: InstructionRecord, imageRoot: string): ChatMessage[] {
  return [{ role: 'user', content: [imagePart(recordImagePath(r, imageRoot)), textPart(r.prompt)] }];
}

/** Predictions already in `path` by id; a torn last line is removed from the file. */
export function readDonePredictions(path: string): Map<string, string> {
  const done = new Map<string, string>();
  if (!existsSync(path)) return done;
  const { rows, tornTail } = readJsonlDetailed<Prediction>(path, { repairTornTail: true });
  rows.forEach((p, i) => {
    if (typeof p?.id !== 'string' || typeof p?.text !== 'string') throw new Error(`${path}: row ${i + 1} is not {"id": string, "text": string}`);
    done.set(p.id, p.text);
  });
  if (tornTail) writeJsonl(path, rows);
  return done;
}

/** Ask the endpoint about every record not yet in `o.out`. */
export async function predictWithEndpoint(client: ChatModel, records: readonly InstructionRecord[], o: EndpointPredictOptions): Promise<EndpointPredictResult> {
  const seen = new Map<string, number>();
  records.forEach((r, i) => {
    if (typeof r?.id !== 'string' || r.id === '') throw new Error(`benchmark record ${i + 1}: field 'id' must be a non-empty string`);
    if (typeof r.prompt !== 'string') throw new Error(`benchmark record ${i + 1} (${r.id}): field 'prompt' must be a string`);
    const j = seen.get(r.id);
    if (j !== undefined) throw new Error(`benchmark records ${j + 1} and ${i + 1} share the id '${r.id}'`);
    seen.set(r.id, i);
  });
  const done = readDonePredictions(o.out);
  const resumed = records.filter((r) => done.has(r.id)).length;
  const todo = records.filter((r) => !done.has(r.id));
  const bar = new Progress({ label: 'predict (endpoint)', total: records.length, quiet: o.quiet, stream: o.progressStream });
  if (resumed) bar.tick(resumed, `resumed ${resumed}`);
  let next = 0;
  let failure: Error | null = null;
  const worker = async (): Promise<void> => {
    while (!failure && next < todo.length) {
      const r = todo[next++];
      try {
        const res = await client.chat({ messages: recordMessages(r, o.imageRoot), temperature: o.temperature ?? 0, maxTokens: o.maxTokens });
        done.set(r.id, res.text);
        appendJsonl(o.out, { id: r.id, text: res.text });
        bar.tick(1);
      } catch (e) {
        failure ??= new Error(`record ${r.id}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, todo.length)) }, worker));
  if (failure) {
    bar.finish('stopped');
    throw new Error(`${(failure as Error).message}\n(${done.size} predictions are saved in ${o.out}; rerun to resume)`);
  }
  bar.finish();
  // Benchmark order first, then any other ids the file held.
  const ordered: Prediction[] = records.map((r) => ({ id: r.id, text: done.get(r.id)! }));
  const extra = [...done].filter(([id]) => !seen.has(id)).map(([id, text]) => ({ id, text }));
  writeJsonl(o.out, [...ordered, ...extra]);
  return { predictions: ordered, requested: todo.length, resumed };
}
