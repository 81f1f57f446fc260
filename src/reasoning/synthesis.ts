/**
 * The reasoning synthesis end to end: build the synthesizer from the config (the offline
 * ground-truth writer, or an LLM over the OpenAI-compatible client with a JSONL cache in the output
 * directory) and the filter (bound = the reward's image bound; optional judge), pick the items to
 * reason about (task-balanced), synthesize a response for each (resumable: samples are appended to
 * `samples.jsonl` as they come, and a rerun skips the ones already there), filter them, and write the
 * kept ones as the cold-start SFT set. Used by `deepmedix synthesize`, the notebooks and the main job.
 *
 * Outputs in `outDir`: samples.jsonl, verdicts.jsonl, filter-table.json / .md, coldstart.jsonl,
 * synthesis-summary.json (and llm-cache.jsonl with an LLM).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { balancedSelection } from '../data/selection.js';
import { configuredTemplates, withFormatInstruction, type PromptTemplates } from '../data/templates.js';
import type { InstructionRecord, Study } from '../data/types.js';
import { chatClientFromConfig, type ChatModel } from '../llm/client.js';
import { appendJsonl, atomicWrite, readJson, readJsonl, readJsonlDetailed, writeJson, writeJsonl } from '../util/fsx.js';
import { Progress } from '../util/progress.js';
import { filterResponse, filterTable, filterTableMarkdown, type FilterOptions, type FilterTable, type FilterVerdict } from './filter.js';
import { LlmSynthesizer } from './llm-synthesizer.js';
import { NoisyTeacher } from './noisy-teacher.js';
import { OfflineSynthesizer } from './offline-synthesizer.js';
import { truthBoxes, type ReasoningSynthesizer } from './synthesizer.js';

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

export interface SynthesisStageOptions {
  /** Training-split items to draw from (never the benchmark). */
  records: InstructionRecord[];
  studies: Study[];
  /** Directory the images' relative paths are under (for the LLM synthesizer). */
  imageRoot: string;
  outDir?: string;
  /** Fraction of responses corrupted by simulated teacher errors (offline only; 0 = none). */
  simulatedErrorRate?: number;
  /** Override the item count (default: config.coldstart.samples). */
  n?: number;
  /** A chat model to use instead of the configured HTTP client (tests, notebooks). */
  chat?: ChatModel;
  quiet?: boolean;
}

export interface SynthesisStageResult extends SynthesisRunResult {
  synthesizer: ReasoningSynthesizer;
  templates: PromptTemplates;
  filter: FilterOptions;
}

export function filterOptionsFromConfig(config: Config, judge?: { client: ChatModel; templates: PromptTemplates }): FilterOptions {
  const s = config.synthesis;
  return {
    bound: config.reward.bound,
    iouThreshold: s.iouThreshold,
    boxMatch: s.boxMatch,
    minChars: s.minChars,
    maxChars: s.maxChars,
    minTextF1: s.minTextF1,
    judge,
  };
}

export async function runSynthesisStage(config: Config, opts: SynthesisStageOptions): Promise<SynthesisStageResult> {
  const s = config.synthesis;
  const templates = configuredTemplates(config);
  const needsClient = s.provider === 'openai' || s.judge;
  const chat: ChatModel | undefined = opts.chat ?? (needsClient ? chatClientFromConfig(config, opts.outDir ? join(opts.outDir, 'llm-cache.jsonl') : null) : undefined);
  let synthesizer: ReasoningSynthesizer =
    s.provider === 'openai'
      ? new LlmSynthesizer({ client: chat!, model: s.model, templates, imageRoot: opts.imageRoot })
      : new OfflineSynthesizer({ seed: config.seed, style: s.style });
  if (opts.simulatedErrorRate && opts.simulatedErrorRate > 0) {
    synthesizer = new NoisyTeacher(synthesizer, { seed: config.seed, rate: opts.simulatedErrorRate });
  }
  const filter = filterOptionsFromConfig(config, s.judge && chat ? { client: chat, templates } : undefined);
  const chosen = balancedSelection(opts.records, opts.n ?? config.coldstart.samples, config.seed, { vqa: config.coldstart.vqaWeight });
  const result = await runSynthesis(chosen, new Map(opts.studies.map((st) => [st.id, st])), synthesizer, {
    outDir: opts.outDir,
    filter,
    templates,
    concurrency: s.provider === 'openai' ? s.concurrency : 1,
    quiet: opts.quiet,
  });
  if (opts.outDir) {
    writeJson(join(opts.outDir, 'synthesis-summary.json'), {
      synthesizer: synthesizer.name,
      templates: templates.source,
      simulatedErrorRate: opts.simulatedErrorRate ?? 0,
      selected: chosen.length,
      resumed: result.resumed,
      table: result.table,
      filter: { ...filter, judge: Boolean(filter.judge) },
    });
  }
  return { ...result, synthesizer, templates, filter };
}

/**
 * How many validation-split items get reasoning for the cold start's validation loss: sft.valItems
 * clamped to 8…64 (64 when 0, i.e. "all").
 */
export function validationSamples(config: Config): number {
  return Math.max(8, Math.min(config.sft.valItems || 64, 64));
}

/** What a finished synthesis wrote to `dir`: its samples, the filter's verdicts and table, the kept set. */
export function readSynthesis(dir: string): Omit<SynthesisRunResult, 'resumed'> {
  const need = (f: string) => {
    const p = join(dir, f);
    if (!existsSync(p)) throw new Error(`${p} is missing: no finished synthesis in ${dir}`);
    return p;
  };
  const verdicts = readJsonl<FilterVerdict>(need('verdicts.jsonl'));
  // samples.jsonl is in the order the samples were written (a resumed run appends); verdicts follow the selection.
  const byId = new Map(readJsonl<SynthesisSample>(need('samples.jsonl')).map((x) => [x.recordId, x]));
  return {
    samples: verdicts.map((v) => byId.get(v.recordId)!),
    verdicts,
    table: readJson<FilterTable>(need('filter-table.json')),
    coldstart: readJsonl<ColdStartRecord>(need('coldstart.jsonl')),
  };
}
