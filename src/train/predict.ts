/** Greedy predictions of a checkpoint on benchmark records: `{ id, text }` per record. */
import type { InstructionRecord } from '../data/types.js';
import { loadImagePixels } from '../data/images.js';
import { generate } from '../model/generate.js';
import { promptIds } from '../model/sequence.js';
import type { VisionLanguageModel } from '../model/vlm.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { Progress } from '../util/progress.js';
import { recordImagePath } from './examples.js';

export interface Prediction {
  id: string;
  text: string;
}

export interface PredictOptions {
  imageRoot: string;
  batchSize?: number;
  maxNewTokens?: number;
  quiet?: boolean;
  /** Constrained decoding to the tokenizer's box grammar (config `model.boxGrammar`; default false). */
  boxGrammar?: boolean;
  /** Called with each batch's predictions as they are made. */
  onBatch?: (preds: Prediction[]) => void;
}

/** Greedy decoding for every record, returned in input order (a prompt too long for the context is cut from its start, with a warning). */
export async function predictRecords(model: VisionLanguageModel, tok: Tokenizer, records: readonly InstructionRecord[], o: PredictOptions): Promise<Prediction[]> {
  const bs = o.batchSize ?? 16;
  const out: Prediction[] = [];
  const bar = new Progress({ label: 'predict', total: records.length, quiet: o.quiet });
  const maxPrompt = model.spec.maxLen - 8;
  let cut = 0;
  // Decode records of one task together (similar output lengths: fewer idle rows), output in input order.
  const order = records.map((r, i) => ({ r, i })).sort((a, b) => a.r.task.localeCompare(b.r.task) || a.i - b.i);
  const texts = new Array<string>(records.length);
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
        return { pixels: await loadImagePixels(recordImagePath(r, o.imageRoot), model.spec.imageSize), prompt };
      }),
    );
    const gens = generate(model, tok, inputs, { maxNewTokens: o.maxNewTokens ?? model.spec.maxLen, boxGrammar: o.boxGrammar });
    const preds = gens.map((g, j) => ({ id: part[j].id, text: g.text }));
    preds.forEach((p, j) => (texts[slot[j].i] = p.text));
    o.onBatch?.(preds);
    bar.tick(part.length);
  }
  bar.finish();
  out.push(...records.map((r, i) => ({ id: r.id, text: texts[i] })));
  if (cut && !o.quiet) process.stderr.write(`warning: ${cut} prompts were longer than the context and were cut from the start\n`);
  return out;
}
