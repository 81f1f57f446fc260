/**
 * Instruction records -> model-ready examples (pixels + prompt ids + answer ids), and batches of
 * them as tensors for teacher-forced training.
 */
import { isAbsolute, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { InstructionRecord } from '../data/types.js';
import { loadImagePixels } from '../data/images.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { answerIds, promptIds } from './sequence.js';
import { Progress } from '../util/progress.js';

export interface Example {
  id: string;
  task: string;
  /** Key into the pixel store (the resolved image path). */
  image: string;
  prompt: number[];
  /** Answer ids ending in EOS (unless truncated). */
  answer: number[];
  truncated: boolean;
}

export interface ExampleSet {
  examples: Example[];
  /** Decoded pixels by resolved image path (imageSize², [0, 1]). */
  pixels: Map<string, Float32Array>;
  truncated: number;
}

/** The path of a record's (first) image: absolute, or relative to `root`. */
export function recordImagePath(r: InstructionRecord, root: string): string {
  if (!Array.isArray(r.images) || r.images.length === 0 || typeof r.images[0] !== 'string') {
    throw new Error(`record ${r.id ?? '(no id)'}: field 'images' must list at least one image path`);
  }
  return isAbsolute(r.images[0]) ? r.images[0] : resolve(root, r.images[0]);
}

export interface PrepareOptions {
  imageSize: number;
  maxLen: number;
  overflow: 'truncate' | 'error';
  /** Directory that relative image paths are resolved against. */
  imageRoot: string;
  /** Shared pixel store (so train and validation decode each image once). */
  pixels?: Map<string, Float32Array>;
  /** Where a truncation warning goes (default stderr). */
  warn?: (line: string) => void;
  quiet?: boolean;
  label?: string;
}

/**
 * Tokenize records and decode their images. A record whose prompt + answer exceeds maxLen is
 * truncated at the end of the answer with one summary warning (overflow 'truncate') or is an error
 * naming it ('error'). An empty list, a record without prompt/answer, or a missing image is an error.
 */
export async function prepareExamples(records: readonly InstructionRecord[], tok: Tokenizer, o: PrepareOptions): Promise<ExampleSet> {
  if (records.length === 0) throw new Error(`${o.label ?? 'dataset'}: no records (empty dataset)`);
  const pixels = o.pixels ?? new Map<string, Float32Array>();
  const examples: Example[] = [];
  let truncated = 0;
  for (const r of records) {
    for (const f of ['id', 'prompt', 'answer'] as const) {
      if (typeof r[f] !== 'string') throw new Error(`record ${r.id ?? '(no id)'}: field '${f}' must be a string`);
    }
    const image = recordImagePath(r, o.imageRoot);
    const prompt = promptIds(tok, r.prompt);
    let answer = answerIds(tok, r.answer);
    let cut = false;
    // Inputs are prompt + answer without its last id; they must fit maxLen.
    const over = prompt.length + answer.length - 1 - o.maxLen;
    if (over > 0) {
      if (o.overflow === 'error' || answer.length - over < 1) {
        throw new Error(`record ${r.id}: prompt ${prompt.length} + answer ${answer.length} tokens exceed model.maxLen ${o.maxLen}${o.overflow === 'truncate' ? ' and the prompt alone leaves no room' : ''}`);
      }
      answer = answer.slice(0, answer.length - over);
      cut = true;
      truncated++;
    }
    examples.push({ id: r.id, task: r.task, image, prompt, answer, truncated: cut });
  }
  if (truncated) (o.warn ?? ((l: string) => process.stderr.write(l + '\n')))(`warning: ${truncated} of ${records.length} ${o.label ?? ''} records exceed model.maxLen ${o.maxLen}; their answers were truncated`);
  const todo = [...new Set(examples.map((e) => e.image))].filter((p) => !pixels.has(p));
  const bar = new Progress({ label: `images ${o.label ?? ''}`.trim(), total: todo.length, quiet: o.quiet || todo.length < 50 });
  const CONC = 8;
  for (let i = 0; i < todo.length; i += CONC) {
    const part = todo.slice(i, i + CONC);
    const loaded = await Promise.all(part.map((p) => loadImagePixels(p, o.imageSize)));
    part.forEach((p, j) => pixels.set(p, loaded[j]));
    bar.tick(part.length);
  }
  if (todo.length) bar.finish();
  return { examples, pixels, truncated };
}

export interface TrainBatch {
  pixels: tf.Tensor3D;
  /** int32 [B, T]: BOS prompt ASSISTANT answer (without its last id), right-padded. */
  tokens: tf.Tensor2D;
  /** int32 [B·T]: the next id at each position. */
  targets: tf.Tensor1D;
  /** float [B·T]: 1 where the target is an answer id (answer-only loss), else 0. */
  lossMask: tf.Tensor1D;
  /** Answer tokens scored. */
  scored: number;
  /** Real (non-pad) input tokens. */
  tokensIn: number;
}

export function makeBatch(examples: readonly Example[], pixels: Map<string, Float32Array>, imageSize: number, padId: number): TrainBatch {
  const B = examples.length;
  const seqs = examples.map((e) => [...e.prompt, ...e.answer]);
  const T = Math.max(...seqs.map((s) => s.length - 1));
  const tok = new Int32Array(B * T).fill(padId);
  const tgt = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  const pix = new Float32Array(B * imageSize * imageSize);
  let scored = 0;
  let tokensIn = 0;
  examples.forEach((e, b) => {
    const s = seqs[b];
    for (let t = 0; t < s.length - 1; t++) {
      tok[b * T + t] = s[t];
      tgt[b * T + t] = s[t + 1];
      if (t + 1 >= e.prompt.length) {
        mask[b * T + t] = 1;
        scored++;
      }
    }
    tokensIn += s.length - 1;
    const px = pixels.get(e.image);
    if (!px) throw new Error(`batch: no pixels for ${e.image} (record ${e.id})`);
    pix.set(px, b * imageSize * imageSize);
  });
  return {
    pixels: tf.tensor3d(pix, [B, imageSize, imageSize]),
    tokens: tf.tensor2d(tok, [B, T], 'int32'),
    targets: tf.tensor1d(tgt, 'int32'),
    lossMask: tf.tensor1d(mask),
    scored,
    tokensIn,
  };
}

export function disposeBatch(b: TrainBatch): void {
  tf.dispose([b.pixels, b.tokens, b.targets, b.lossMask]);
}
