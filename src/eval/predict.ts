/** Greedy predictions of a checkpoint on benchmark records (`{ id, text }` per record), and sampled ones. */
import type { InstructionRecord } from '../data/types.js';
import { loadImagePixels } from '../data/images.js';
import { generate, type GenerateOptions } from '../model/generate.js';
import { promptIds } from '../model/sequence.js';
import type { VisionLanguageModel } from '../model/vlm.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { Progress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { recordImagePath } from '../model/inputs.js';

/** One model output for one benchmark item: the `{"id","text"}` JSONL line every stage writes and the harness reads. */
export interface Prediction {
  id: string;
  text: string;
  /** The model's name, when a file holds several. */
  model?: string;
}

export interface PredictOptions {
  imageRoot: string;
  batchSize?: number;
  maxNewTokens?: number;
  quiet?: boolean;
  /** Constrained decoding to the tokenizer's box grammar (config `model.boxGrammar`; default false). */
  boxGrammar?: boolean;
  /**
   * Text the response is made to start with (appended to the prompt; the returned text includes it),
   * e.g. an empty `<think></think>` to ask for the answer without reasoning.
   */
  responsePrefix?: string;
  /** Called with each batch's predictions as they are made (when sampling: each record's first sample). */
  onBatch?: (preds: Prediction[]) => void;
}

/**
 * Decode every record (greedy, or `samplesPerPrompt` samples at a temperature) in batches of one
 * task each (similar output lengths: fewer idle rows); the texts of each record, in input order.
 * A prompt too long for the context is cut from its start, with a warning.
 */
async function decodeRecords(
  model: VisionLanguageModel,
  tok: Tokenizer,
  records: readonly InstructionRecord[],
  o: PredictOptions,
  sampling: Pick<GenerateOptions, 'temperature' | 'samplesPerPrompt' | 'rng'>,
  label: string,
): Promise<string[][]> {
  const bs = o.batchSize ?? 16;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new Error(`predict: batchSize must be a whole number ≥ 1, got ${bs}`);
  const g = sampling.samplesPerPrompt ?? 1;
  const bar = new Progress({ label, total: records.length, quiet: o.quiet });
  const prefix = o.responsePrefix ? tok.encode(o.responsePrefix) : [];
  const maxPrompt = model.spec.maxLen - 8 - prefix.length;
  let cut = 0;
  const order = records.map((r, i) => ({ r, i })).sort((a, b) => a.r.task.localeCompare(b.r.task) || a.i - b.i);
  const texts = new Array<string[]>(records.length);
  for (let i = 0; i < order.length; i += bs) {
    const slot = order.slice(i, i + bs);
    const part = slot.map((x) => x.r);
    const inputs = await Promise.all(
      part.map(async (r) => {
        let prompt = promptIds(tok, r.prompt);
        if (prompt.length > maxPrompt) {
          prompt = [prompt[0], ...prompt.slice(prompt.length - maxPrompt + 1)];
          cut++;
        }
        return { pixels: await loadImagePixels(recordImagePath(r, o.imageRoot), model.spec.imageSize), prompt: [...prompt, ...prefix] };
      }),
    );
    const gens = generate(model, tok, inputs, { maxNewTokens: o.maxNewTokens ?? model.spec.maxLen, boxGrammar: o.boxGrammar, ...sampling });
    slot.forEach((x, j) => (texts[x.i] = gens.slice(j * g, (j + 1) * g).map((row) => (o.responsePrefix ?? '') + row.text)));
    o.onBatch?.(part.map((r, j) => ({ id: r.id, text: texts[slot[j].i][0] })));
    bar.tick(part.length);
  }
  bar.finish();
  if (cut && !o.quiet) process.stderr.write(`warning: ${cut} prompts were longer than the context and were cut from the start\n`);
  return texts;
}

/** Greedy decoding for every record, returned in input order. */
export async function predictRecords(model: VisionLanguageModel, tok: Tokenizer, records: readonly InstructionRecord[], o: PredictOptions): Promise<Prediction[]> {
  const texts = await decodeRecords(model, tok, records, o, {}, 'predict');
  return records.map((r, i) => ({ id: r.id, text: texts[i][0] }));
}

export interface SampleRecordsOptions extends PredictOptions {
  /** Softmax temperature (> 0). */
  temperature: number;
  /** Samples per record. */
  samples: number;
  /** Seed of the sampling stream (one stream for the whole call: same seed, same samples). */
  seed: number;
}

/** `samples` sampled responses per record at `temperature` (as GRPO samples its groups), in input order. */
export async function sampleRecords(
  model: VisionLanguageModel,
  tok: Tokenizer,
  records: readonly InstructionRecord[],
  o: SampleRecordsOptions,
): Promise<{ id: string; texts: string[] }[]> {
  if (!(o.temperature > 0)) throw new Error(`sampleRecords: temperature must be > 0 (got ${o.temperature}); use predictRecords for greedy decoding`);
  if (!Number.isInteger(o.samples) || o.samples < 1) throw new Error(`sampleRecords: samples must be a positive integer (got ${o.samples})`);
  const texts = await decodeRecords(model, tok, records, o, { temperature: o.temperature, samplesPerPrompt: o.samples, rng: new Rng(o.seed) }, 'sample');
  return records.map((r, i) => ({ id: r.id, texts: texts[i] }));
}
