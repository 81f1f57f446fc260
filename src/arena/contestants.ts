/**
 * The workbench's own models as arena contestants: the held-out report items of the embedded
 * cohort (FINDINGS reports of the test split), two baselines built from the training split, and
 * every trained checkpoint found under `data/runs/<profile>/` (stage 1, stage 2, stage 3 …),
 * decoded greedily on those items. Predictions are written as `{"id", "text"}` JSONL beside a note
 * of the checkpoint they came from, and reused while the checkpoint is unchanged.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { boxGrammarOf, type Config } from '../config.js';
import type { InstructionRecord } from '../data/types.js';
import { loadModel, readCheckpoint } from '../model/checkpoint.js';
import { extractAnswer } from '../text/parse.js';
import { predictRecords } from '../eval/predict.js';
import { stage1Data } from '../job/stage1data.js';
import { readJson, readJsonl, writeJson, writeJsonl } from '../util/fsx.js';
import { Rng } from '../util/rng.js';
import type { ModelPredictions } from './types.js';

export interface CohortReportItems {
  /** Held-out report items (test split), at most `limit`. */
  records: InstructionRecord[];
  references: Map<string, string>;
  /** Training-split report answers of the same task (for the baselines). */
  trainReports: string[];
  cohortDir: string;
}

/** The cohort's held-out report items of one task and the training reports of that task. */
export async function cohortReportItems(config: Config, opts: { limit?: number; task?: string } = {}): Promise<CohortReportItems> {
  const task = opts.task ?? 'report-findings';
  const data = await stage1Data(config, undefined, { quiet: true });
  const records = data.test.filter((r) => r.task === task).slice(0, opts.limit);
  if (records.length === 0) throw new Error(`cohort ${data.cohortDir}: no held-out '${task}' items`);
  return {
    records,
    references: new Map(records.map((r) => [r.id, r.answer])),
    trainReports: data.train.filter((r) => r.task === task).map((r) => r.answer),
    cohortDir: data.cohortDir,
  };
}

/** `constant-train` (the most frequent training report) and `random-train` (seeded) for the items. */
export function cohortBaselines(items: CohortReportItems, seed: number): ModelPredictions[] {
  if (items.trainReports.length === 0) throw new Error('cohort baselines: no training reports');
  const counts = new Map<string, number>();
  for (const t of items.trainReports) counts.set(t, (counts.get(t) ?? 0) + 1);
  const constant = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const rng = new Rng(seed);
  return [
    { name: 'constant-train', reports: new Map(items.records.map((r) => [r.id, constant])) },
    { name: 'random-train', reports: new Map(items.records.map((r) => [r.id, items.trainReports[rng.int(0, items.trainReports.length - 1)]])) },
  ];
}

/** Checkpoint directories (holding model.json and checkpoint.bin) up to two levels below `runsDir`, named by their path. */
export function findCheckpoints(runsDir: string): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  const visit = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'checkpoint.bin'))) {
      out.push({ name: relative(runsDir, dir).split(/[\\/]/).filter((p) => p !== 'model').join('-') || 'model', dir });
      return;
    }
    if (depth === 0 || !existsSync(dir)) return;
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) visit(p, depth - 1);
    }
  };
  visit(runsDir, 2);
  return out;
}

/**
 * Greedy predictions of a checkpoint on the items, as a contestant. Written to
 * `outDir/NAME.jsonl` with `NAME.source.json` (checkpoint path, size, time and decoding); reused when both
 * still match and every item has a prediction. A reasoning model's `\boxed{…}` answer is the report.
 */
export async function checkpointContestant(name: string, dir: string, items: CohortReportItems, outDir: string, opts: { quiet?: boolean } = {}): Promise<ModelPredictions> {
  const ck = statSync(join(dir, 'checkpoint.bin'));
  const boxGrammar = boxGrammarOf(readCheckpoint(dir).header.config);
  const source = { checkpoint: dir, bytes: ck.size, mtimeMs: ck.mtimeMs, items: items.records.length, decoding: boxGrammar ? 'box grammar' : 'free' };
  const predPath = join(outDir, `${name}.jsonl`);
  const sourcePath = join(outDir, `${name}.source.json`);
  let rows: { id: string; text: string }[] | null = null;
  if (existsSync(predPath) && existsSync(sourcePath) && JSON.stringify(readJson(sourcePath)) === JSON.stringify(source)) {
    rows = readJsonl<{ id: string; text: string }>(predPath);
    const have = new Set(rows.map((r) => r.id));
    if (!items.records.every((r) => have.has(r.id))) rows = null;
  }
  if (!rows) {
    const { model, tokenizer } = loadModel(dir);
    try {
      rows = await predictRecords(model, tokenizer, items.records, { imageRoot: items.cohortDir, quiet: opts.quiet, boxGrammar });
    } finally {
      model.dispose();
    }
    writeJsonl(predPath, rows);
    writeJson(sourcePath, source);
  }
  return { name, reports: new Map(rows.map((r) => [r.id, r.text.includes('\\boxed{') ? extractAnswer(r.text) : r.text])) };
}
