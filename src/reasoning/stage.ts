/**
 * The synthesis stage from a resolved config: builds the synthesizer (offline ground-truth writer,
 * or an LLM over the OpenAI-compatible client with a JSONL cache in the output directory), the
 * filter (bound = the reward's image bound; optional judge), selects `coldstart.samples` items and
 * runs the resumable synthesis -> filter -> cold-start set. Used by `deepmedix synthesize`, the
 * notebooks and the main job.
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { InstructionRecord, Study } from '../data/types.js';
import { writeJson } from '../util/fsx.js';
import { chatClientFromConfig, type ChatModel } from './client.js';
import type { FilterOptions } from './filter.js';
import { LlmSynthesizer } from './llm.js';
import { NoisyTeacher } from './noisy.js';
import { OfflineSynthesizer } from './offline.js';
import { runSynthesis, selectForSynthesis, type SynthesisRunResult } from './pipeline.js';
import type { ReasoningSynthesizer } from './synthesizer.js';
import { loadTemplates, templatesPath, type PromptTemplates } from './templates.js';

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
  const templates = loadTemplates(templatesPath(s.templates));
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
  const chosen = selectForSynthesis(opts.records, opts.n ?? config.coldstart.samples, config.seed, { vqa: config.coldstart.vqaWeight });
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
