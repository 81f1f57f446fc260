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
  /** Called with each batch's predictions as they are made. */
  onBatch?: (preds: Prediction[]) => void;
}

/** Greedy decoding for every record (a prompt too long for the context is cut from its start, with a warning). */
export async function predictRecords(model: VisionLanguageModel, tok: Tokenizer, records: readonly InstructionRecord[], o: PredictOptions): Promise<Prediction[]> {
  const bs = o.batchSize ?? 16;
  const out: Prediction[] = [];
  const bar = new Progress({ label: 'predict', total: records.length, quiet: o.quiet });
  const maxPrompt = model.spec.maxLen - 8;
  let cut = 0;
  for (let i = 0; i < records.length; i += bs) {
    const part = records.slice(i, i + bs);
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
    const gens = generate(model, tok, inputs, { maxNewTokens: o.maxNewTokens ?? model.spec.maxLen });
    const preds = gens.map((g, j) => ({ id: part[j].id, text: g.text }));
    out.push(...preds);
    o.onBatch?.(preds);
    bar.tick(part.length);
  }
  bar.finish();
  if (cut && !o.quiet) process.stderr.write(`warning: ${cut} prompts were longer than the context and were cut from the start\n`);
  return out;
}
