/**
 * A study over runs made elsewhere (EasyR1 at paper scale, or any trainer): a manifest names, per
 * variant and seed, the predictions of the run's starting model and of its end model on the same
 * benchmark, and the same scoring as `deepmedix study` (src/job/study-scores.ts) turns them into
 * study.json, study.md and the forest plot. Nothing is trained.
 *
 * Manifest (JSON; paths relative to the manifest's folder; the first variant is the base recipe):
 *   {"variants": [{"name": "paper reward", "overrides": {"worker.rollout.n": 5},
 *                  "runs": [{"seed": 1, "start": "preds/deepmedix.jsonl", "end": "preds/r1-seed1.jsonl", "seconds": 86400}]}]}
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { InstructionRecord } from '../data/types.js';
import type { StudyResult } from '../eval/study-result.js';
import { readJsonl } from '../util/fsx.js';
import { scoreVariant, StudyScorer, type ScoredRun } from './study-scores.js';

export interface PredictionsVariant {
  name: string;
  overrides: Record<string, unknown>;
  runs: ScoredRun[];
}

function fail(path: string, where: string, what: string): never {
  throw Object.assign(new Error(`${path}${where ? `, ${where}` : ''}: ${what}`), { name: 'UsageError' });
}

/** Read and check a predictions manifest; every error names the file and the entry. */
export function readPredictionsManifest(path: string): PredictionsVariant[] {
  if (!existsSync(path)) fail(path, '', 'does not exist');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(path, '', `not JSON (${(e as Error).message})`);
  }
  const list = (raw as { variants?: unknown } | null)?.variants;
  if (!Array.isArray(list) || !list.length) fail(path, '', 'expected {"variants": [{"name", "runs": [{"seed", "start", "end"}]}, …]} with at least one variant');
  const rel = (p: string) => (isAbsolute(p) ? p : join(dirname(path), p));
  const names = new Set<string>();
  return list.map((v, i) => {
    const where = `variant ${i + 1}`;
    if (!v || typeof v !== 'object') fail(path, where, 'expected an object {"name", "runs"}');
    const { name, overrides = {}, runs } = v as Record<string, unknown>;
    if (typeof name !== 'string' || !name.trim()) fail(path, where, '"name" must be a non-empty string');
    if (names.has(name)) fail(path, where, `the name '${name}' repeats`);
    names.add(name);
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) fail(path, where, '"overrides" must be an object (it is only recorded)');
    if (!Array.isArray(runs) || !runs.length) fail(path, `${where} ('${name}')`, '"runs" must be a non-empty list of {"seed", "start", "end"}');
    const seeds = new Set<number>();
    const scored = runs.map((r, k): ScoredRun => {
      const at = `${where} ('${name}'), run ${k + 1}`;
      const { seed, start, end, seconds = 0 } = (r ?? {}) as Record<string, unknown>;
      if (!Number.isInteger(seed)) fail(path, at, '"seed" must be a whole number');
      if (seeds.has(seed as number)) fail(path, at, `seed ${seed} repeats`);
      seeds.add(seed as number);
      if (typeof seconds !== 'number' || !(seconds >= 0)) fail(path, at, '"seconds" must be a number ≥ 0');
      const file = (key: string, p: unknown) => {
        if (typeof p !== 'string' || !p) fail(path, at, `"${key}" must be the path of a predictions JSONL`);
        if (!existsSync(rel(p))) fail(path, at, `"${key}": ${rel(p)} does not exist`);
        return rel(p);
      };
      return { seed: seed as number, start: file('start', start), end: file('end', end), seconds };
    });
    return { name: name.trim(), overrides: overrides as Record<string, unknown>, runs: scored };
  });
}

/**
 * Score the manifest's runs on the benchmark records (their `boxes` are the true regions of
 * boxMatch; report items without boxes count a box as unmatched in both arms alike).
 */
export function studyFromPredictions(variants: readonly PredictionsVariant[], referencesPath: string, o: { bound: number; blocks?: number }): StudyResult {
  const records = readJsonl<InstructionRecord>(referencesPath);
  if (!records.length) throw new Error(`${referencesPath}: no benchmark records`);
  const scorer = new StudyScorer(records, new Map(), o.bound, o.blocks);
  const base = new Map(variants[0].runs.map((r) => [r.seed, r]));
  const seeds = [...new Set(variants.flatMap((v) => v.runs.map((r) => r.seed)))].sort((a, b) => a - b);
  return {
    profile: 'predictions',
    seeds,
    base: variants[0].overrides,
    baseRun: referencesPath,
    items: { total: records.length, vqa: records.filter((r) => r.task === 'vqa').length, report: records.filter((r) => r.task.startsWith('report')).length },
    variants: variants.map((v, i) => scoreVariant(scorer, v, v.runs, [], i === 0 ? null : base)),
    finishedAt: new Date().toISOString(),
  };
}
