/**
 * The reasoning-synthesis interface: given an instruction item and its study's ground truth, write a
 * response in the paper's format (`<think>` reasoning with region boxes, then `\boxed{answer}`).
 * Two implementations: the offline grounded synthesizer (offline.ts, the embedded default) and
 * an LLM over the chat client (llm.ts).
 */
import type { FindingBox, InstructionRecord, Study } from '../data/types.js';

export interface SynthesisInput {
  record: InstructionRecord;
  /** The study's full ground truth, when known (attributes, labels, report text). */
  study?: Study;
}

export interface SynthesisOutput {
  recordId: string;
  response: string;
  /** Which synthesizer wrote it ('offline', or 'llm:<model>'). */
  synthesizer: string;
  /** True when an LLM answer came from the cache. */
  cached: boolean;
}

export interface ReasoningSynthesizer {
  readonly name: string;
  synthesize(input: SynthesisInput): Promise<SynthesisOutput>;
}

/**
 * The true regions an item is about: the record's own boxes; for report items with none, the
 * study's finding boxes.
 */
export function truthBoxes(input: SynthesisInput): FindingBox[] {
  const { record, study } = input;
  if (record.boxes.length) return record.boxes;
  if (record.task.startsWith('report') && study) return study.boxes;
  return [];
}

/** One line per box, `Finding: [x0, y0, x1, y1]`, or `none` (for prompts). */
export function boxesAsText(boxes: FindingBox[]): string {
  if (!boxes.length) return 'none (no abnormal region)';
  return boxes.map((b) => `${b.finding}: [${b.box.map((v) => Math.round(v)).join(', ')}]`).join('\n');
}
