/**
 * Reading instruction records (the JSONL every stage and benchmark uses) from a file a user names:
 * each line is checked for the fields the workbench reads, so a wrong file (e.g. predictions,
 * `{"id","text"}` lines) is an error naming the file, line and field, not a crash later.
 */
import { readJsonlStrict } from '../util/fsx.js';
import { ANSWER_KINDS, TASKS, type InstructionRecord } from './types.js';

/** Check one parsed line as an instruction record; the message names what is wrong. */
export function checkInstructionRecord(v: Record<string, unknown>): string | null {
  for (const f of ['id', 'prompt', 'answer'] as const) if (typeof v[f] !== 'string' || (f === 'id' && v[f] === '')) return `field '${f}' must be a string`;
  if (!(TASKS as readonly unknown[]).includes(v.task)) return `field 'task' must be one of ${TASKS.join(', ')}`;
  if (!(ANSWER_KINDS as readonly unknown[]).includes(v.answerKind)) return `field 'answerKind' must be one of ${ANSWER_KINDS.join(', ')}`;
  if (!Array.isArray(v.images) || !v.images.every((i) => typeof i === 'string')) return "field 'images' must be a list of image paths";
  if (typeof v.frame !== 'number' || !(v.frame > 0)) return "field 'frame' must be a positive number (the side of the box frame)";
  if (v.boxes !== undefined && !Array.isArray(v.boxes)) return "field 'boxes' must be a list";
  return null;
}

/** Read a JSONL file of instruction records; a malformed or incomplete line, or a repeated id, is an error naming file:line. */
export function readInstructionRecords(path: string): InstructionRecord[] {
  const seen = new Map<string, number>();
  const out: InstructionRecord[] = [];
  for (const { line, value } of readJsonlStrict(path)) {
    const bad = checkInstructionRecord(value);
    if (bad) throw new Error(`${path}:${line}: not an instruction record: ${bad}`);
    const id = value.id as string;
    if (seen.has(id)) throw new Error(`${path}:${line}: id '${id}' repeats line ${seen.get(id)}`);
    seen.set(id, line);
    out.push({ boxes: [], questionType: String(value.task), studyId: id, patientId: id, source: 'unknown', ...value } as unknown as InstructionRecord);
  }
  if (!out.length) throw new Error(`${path}: no instruction records`);
  return out;
}
