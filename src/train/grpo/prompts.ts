/**
 * RL prompts for stage 3 from instruction records: the task prompt with the same answer-format
 * instruction the cold-start model was trained on (`<think>` with boxes, then `\boxed{}`), the
 * decoded image, and the ground-truth answer with its scoring kind (the paper's 6.6K RL samples
 * are of this shape: a question and a verifiable answer, no reasoning target).
 */
import { isAbsolute, resolve } from 'node:path';
import { loadImagePixels } from '../../data/images.js';
import type { InstructionRecord } from '../../data/types.js';
import { promptIds } from '../../model/sequence.js';
import { loadTemplates, withFormatInstruction, type PromptTemplates } from '../../data/templates.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { Progress } from '../../util/progress.js';
import type { GrpoPrompt } from './policy.js';

export interface GrpoDataOptions {
  imageSize: number;
  /** The model's maximum text length: a prompt must leave room for a response. */
  maxLen: number;
  /** Directory relative image paths are resolved against. */
  imageRoot: string;
  /** Templates holding the format instruction (default: the workbench's default file). */
  templates?: PromptTemplates;
  /** Tokens a prompt must leave free for the response (default 16). */
  minResponseRoom?: number;
  warn?: (msg: string) => void;
  quiet?: boolean;
}

/** Build GRPO prompts; records whose prompt leaves too little room for a response are skipped with one warning. */
export async function grpoPromptsFromRecords(records: readonly InstructionRecord[], tok: Tokenizer, o: GrpoDataOptions): Promise<GrpoPrompt[]> {
  if (records.length === 0) throw new Error('grpo: no RL records');
  const templates = o.templates ?? loadTemplates();
  const room = o.minResponseRoom ?? 16;
  const pixels = new Map<string, Float32Array>();
  const out: GrpoPrompt[] = [];
  const skipped: string[] = [];
  const progress = new Progress({ label: 'RL prompts', total: records.length, quiet: o.quiet });
  for (const r of records) {
    if (typeof r.prompt !== 'string' || typeof r.answer !== 'string') throw new Error(`record ${r.id ?? '(no id)'}: fields 'prompt' and 'answer' must be strings`);
    if (!Array.isArray(r.images) || typeof r.images[0] !== 'string') throw new Error(`record ${r.id}: field 'images' must list at least one image path`);
    const prompt = promptIds(tok, withFormatInstruction(r.prompt, templates, r.frame));
    if (prompt.length + room > o.maxLen) {
      skipped.push(r.id);
      progress.tick();
      continue;
    }
    const path = isAbsolute(r.images[0]) ? r.images[0] : resolve(o.imageRoot, r.images[0]);
    let px = pixels.get(path);
    if (!px) {
      px = await loadImagePixels(path, o.imageSize);
      pixels.set(path, px);
    }
    out.push({ id: r.id, pixels: px, prompt, answer: r.answer, kind: r.answerKind, task: r.task });
    progress.tick();
  }
  progress.finish();
  if (skipped.length) {
    (o.warn ?? console.warn)(`grpo: skipped ${skipped.length} record(s) whose prompt leaves fewer than ${room} of ${o.maxLen} tokens for the response (e.g. ${skipped.slice(0, 3).join(', ')})`);
  }
  if (out.length === 0) throw new Error(`grpo: every record's prompt is too long for maxLen ${o.maxLen}`);
  return out;
}
