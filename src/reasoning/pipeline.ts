/**
 * The synthesis stage end to end: pick the items to reason about, synthesize a response for each
 * (resumable: samples are appended to `samples.jsonl` as they come, and a rerun skips the ones
 * already there), filter them, and write the kept ones as the cold-start SFT set.
 *
 * Outputs in `outDir`: samples.jsonl, verdicts.jsonl, filter-table.json / .md, coldstart.jsonl.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InstructionRecord, Study } from '../data/types.js';
import { appendJsonl, readJsonlDetailed, writeJson, writeJsonl, atomicWrite } from '../util/fsx.js';
import { Progress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { filterResponse, filterTable, filterTableMarkdown, type FilterOptions, type FilterTable, type FilterVerdict } from './filter.js';
import { truthBoxes, type ReasoningSynthesizer } from './synthesizer.js';
import { withFormatInstruction, type PromptTemplates } from './templates.js';

export interface SynthesisSample {
  recordId: string;
  studyId: string;
  task: string;
  questionType: string;
  synthesizer: string;
  response: string;
  cached: boolean;
  /** Set when the synthesizer failed (e.g. the endpoint kept erroring); the response is then ''. */
  error?: string;
}

/** A cold-start SFT item: the task prompt with the format instruction, and the reasoning response as target. */
export interface ColdStartRecord extends InstructionRecord {
  /** The ground-truth answer (the `answer` field holds the whole response). */
  truth: string;
  synthesizer: string;
}

/** Interleave lists round-robin: a[0], b[0], c[0], a[1], … (shorter lists drop out). */
function roundRobin<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

/** Group by a key, lists in sorted key order. */
function groupsOf<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const by = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = by.get(k);
    if (list) list.push(t);
    else by.set(k, [t]);
  }
  return [...by.keys()].sort().map((k) => by.get(k)!);
}

/**
 * Choose up to `n` items, seeded, spread over tasks so every task type is represented: each round
 * takes `weights[task]` items (default 1) from every task, and within a task the question types
 * (VQA) take turns, so a rare type gets as many items as a common one while it lasts.
 */
export function selectForSynthesis(records: InstructionRecord[], n: number, seed: number, weights: Readonly<Record<string, number>> = {}): InstructionRecord[] {
  const rng = Rng.derive(seed, 'synthesis-selection');
  const queues = groupsOf(rng.shuffle(records), (r) => r.task).map((items) => ({
    task: items[0].task,
    items: roundRobin(groupsOf(items, (r) => r.questionType ?? '')),
    next: 0,
  }));
  for (const q of queues) {
    const w = weights[q.task] ?? 1;
    if (!(w >= 0) || !Number.isInteger(w)) throw new Error(`selectForSynthesis: weight of task '${q.task}' must be a whole number >= 0, got ${w}`);
  }
  const out: InstructionRecord[] = [];
  const want = Math.min(n, queues.reduce((s, q) => s + (weights[q.task] === 0 ? 0 : q.items.length), 0));
  while (out.length < want) {
    for (const q of queues) {
      for (let k = 0; k < (weights[q.task] ?? 1) && q.next < q.items.length && out.length < want; k++) out.push(q.items[q.next++]);
    }
  }
  return out;
}

export interface SynthesisRunOptions {
  outDir?: string;
  filter: FilterOptions;
  templates: PromptTemplates;
  /** Items synthesized at once (the chat client also limits requests in flight). */
  concurrency?: number;
  quiet?: boolean;
}

export interface SynthesisRunResult {
  samples: SynthesisSample[];
  verdicts: FilterVerdict[];
  table: FilterTable;
  coldstart: ColdStartRecord[];
  /** Samples found already written (a resumed run). */
  resumed: number;
}

function loadDone(path: string): Map<string, SynthesisSample> {
  const done = new Map<string, SynthesisSample>();
  if (!existsSync(path)) return done;
  const { rows, tornTail } = readJsonlDetailed<SynthesisSample>(path, { repairTornTail: true, lenient: true });
  for (const s of rows) if (s && typeof s.recordId === 'string' && !s.error) done.set(s.recordId, s);
  if (tornTail) writeJsonl(path, [...done.values()]);
  return done;
}

export async function runSynthesis(
  records: InstructionRecord[],
  studies: Map<string, Study>,
  synthesizer: ReasoningSynthesizer,
  opts: SynthesisRunOptions,
): Promise<SynthesisRunResult> {
  const samplesPath = opts.outDir ? join(opts.outDir, 'samples.jsonl') : null;
  const done = samplesPath ? loadDone(samplesPath) : new Map<string, SynthesisSample>();
  const resumed = records.filter((r) => done.has(r.id)).length;
  const todo = records.filter((r) => !done.has(r.id));
  const progress = new Progress({ label: `synthesis (${synthesizer.name})`, total: todo.length, quiet: opts.quiet });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const record = todo[next++];
      const study = studies.get(record.studyId);
      let sample: SynthesisSample;
      try {
        const out = await synthesizer.synthesize({ record, study });
        sample = { recordId: record.id, studyId: record.studyId, task: record.task, questionType: record.questionType, synthesizer: out.synthesizer, response: out.response, cached: out.cached };
      } catch (e) {
        sample = { recordId: record.id, studyId: record.studyId, task: record.task, questionType: record.questionType, synthesizer: synthesizer.name, response: '', cached: false, error: (e as Error).message };
      }
      done.set(record.id, sample);
      if (samplesPath) appendJsonl(samplesPath, sample);
      progress.tick(1);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  progress.finish();

  const samples = records.map((r) => done.get(r.id)!).filter(Boolean);
  const byId = new Map(records.map((r) => [r.id, r]));
  const verdicts: FilterVerdict[] = [];
  for (const s of samples) {
    const record = byId.get(s.recordId)!;
    verdicts.push(await filterResponse(s.response, record, truthBoxes({ record, study: studies.get(record.studyId) }), opts.filter));
  }
  const table = filterTable(verdicts);
  const coldstart: ColdStartRecord[] = [];
  samples.forEach((s, i) => {
    if (!verdicts[i].kept) return;
    const r = byId.get(s.recordId)!;
    coldstart.push({ ...r, id: `${r.id}:cs`, prompt: withFormatInstruction(r.prompt, opts.templates, r.frame), answer: s.response, truth: r.answer, synthesizer: s.synthesizer });
  });
  if (opts.outDir) {
    writeJsonl(join(opts.outDir, 'verdicts.jsonl'), verdicts);
    writeJson(join(opts.outDir, 'filter-table.json'), table);
    atomicWrite(join(opts.outDir, 'filter-table.md'), filterTableMarkdown(table) + '\n');
    writeJsonl(join(opts.outDir, 'coldstart.jsonl'), coldstart);
  }
  return { samples, verdicts, table, coldstart, resumed };
}
