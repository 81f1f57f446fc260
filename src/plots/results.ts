/**
 * Finding and reading what earlier stages left on disk, into the figure inputs: `deepmedix evaluate`
 * results.json files (Table 1 rows, VQA accuracy by split and question type), GRPO step logs
 * (steps.jsonl) and folders of saved figure specs (the arena's).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { readStudies } from '../data/cohort.js';
import { buildInstructions } from '../data/instructions.js';
import { splitByPatient } from '../data/split.js';
import type { InstructionRecord } from '../data/types.js';
import { readJson, readJsonl } from '../util/fsx.js';
import { compositionByTask, type DatasetComposition } from './fig1.js';
import type { PaperResults } from './paper.js';
import type { LogRow } from './training.js';

/** Files called `name` under root (depth-limited, skipping node_modules and dot-folders). */
export function findFiles(root: string, name: string, maxDepth = 5): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > maxDepth || !existsSync(dir)) return;
    for (const e of readdirSync(dir).sort()) {
      if (e.startsWith('.') || e === 'node_modules') continue;
      const p = join(dir, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, depth + 1);
      else if (e === name) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}

/** The part of an evaluate results.json the figures use. */
interface EvaluateResults {
  model?: string;
  report?: Record<string, Record<string, number>>;
  weightedAverage?: Record<string, number> | null;
  vqa?: Record<string, { overall: number; meanOverTypes?: number; n?: number; byType?: Record<string, { accuracy: number; n: number }> }>;
}

/**
 * Merge evaluate results (one file per model) into figure inputs. A model's VQA accuracy on a set is
 * its `overall` accuracy (mean over items); accuracy by question type pools both VQA sets, weighting
 * each set's type accuracy by its item count.
 */
export function resultsFromEvaluations(paths: string[]): PaperResults {
  const report: NonNullable<PaperResults['report']> = {};
  const vqa: NonNullable<PaperResults['vqa']> = {};
  const byType: Record<string, Record<string, number>> = {};
  for (const p of paths) {
    const r = readJson<EvaluateResults>(p);
    const model = r.model;
    if (typeof model !== 'string' || !model) throw new Error(`${p}: field 'model' must be a non-empty string`);
    for (const [split, row] of Object.entries(r.report ?? {})) (report[split] ??= {})[model] = row;
    if (r.weightedAverage) (report.weighted_average ??= {})[model] = r.weightedAverage;
    const pooled: Record<string, { sum: number; n: number }> = {};
    for (const [split, acc] of Object.entries(r.vqa ?? {})) {
      (vqa[split] ??= {})[model] = acc.overall;
      for (const [t, v] of Object.entries(acc.byType ?? {})) {
        const q = (pooled[t] ??= { sum: 0, n: 0 });
        q.sum += v.accuracy * v.n;
        q.n += v.n;
      }
    }
    const types = Object.entries(pooled).filter(([, v]) => v.n > 0);
    if (types.length) byType[model] = Object.fromEntries(types.map(([t, v]) => [t, v.sum / v.n]));
  }
  return {
    ...(Object.keys(report).length ? { report } : {}),
    ...(Object.keys(vqa).length ? { vqa } : {}),
    ...(Object.keys(byType).length ? { vqaByQuestionType: byType } : {}),
  };
}

/** Short names for the GRPO log's nested fields, in the order the curves are drawn. */
export const GRPO_CURVE_KEYS: Record<string, string> = {
  'reward.total.mean': 'reward',
  'reward.answer.mean': 'r_ans',
  'reward.format.mean': 'r_form',
  'reward.coordinate.mean': 'r_coo',
  kl: 'KL',
  clipFraction: 'clip fraction',
  entropy: 'entropy',
  'responseLength.mean': 'response length',
  fracRewardZeroStd: 'frac_reward_zero_std',
  boxesPerResponse: 'boxes per response',
};

/** Numeric leaves of a nested object, with dotted names (arrays are skipped). */
export function flattenNumbers(v: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof v === 'number' && Number.isFinite(v)) out[prefix] = v;
  else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flattenNumbers(x, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** A GRPO steps.jsonl as curve rows with the short names above (fields absent from the log are left out). */
export function grpoCurveRows(logPath: string): LogRow[] {
  return readJsonl<Record<string, unknown>>(logPath, { repairTornTail: true }).map((row, i) => {
    const flat = flattenNumbers(row);
    if (typeof flat.step !== 'number') throw new Error(`${logPath}: record ${i + 1}: field 'step' must be a number`);
    const out: LogRow = { step: flat.step };
    for (const [k, name] of Object.entries(GRPO_CURVE_KEYS)) if (k in flat) out[name] = flat[k];
    return out;
  });
}

/**
 * Fig. 1b inputs from this workbench's own data, where it exists: the stage 1 instruction set and
 * the test set rebuilt from the cohort in `cohortDir` (the same split and builder the stages use),
 * and the cold-start set from `coldstartPath`. Missing pieces are left out.
 */
export function workbenchCompositions(config: Config, cohortDir: string, coldstartPath?: string): DatasetComposition[] {
  const out: DatasetComposition[] = [];
  if (existsSync(join(cohortDir, 'studies.jsonl'))) {
    const studies = readStudies(cohortDir).studies;
    const split = splitByPatient(studies, { seed: config.seed, test: config.benchmark.testStudies, val: config.benchmark.valStudies });
    const opts = { seed: config.seed, vqaPerStudy: config.benchmark.vqaPerStudy };
    out.push(compositionByTask('Stage 1: instruction SFT', buildInstructions(split.train, opts)));
    if (coldstartPath && existsSync(coldstartPath)) out.push(compositionByTask('Stage 2: cold-start reasoning', readJsonl<InstructionRecord>(coldstartPath)));
    out.push(compositionByTask('Test (XrayBench-shaped)', buildInstructions(split.test, opts)));
  } else if (coldstartPath && existsSync(coldstartPath)) out.push(compositionByTask('Stage 2: cold-start reasoning', readJsonl<InstructionRecord>(coldstartPath)));
  return out;
}
