/**
 * The Report Arena loop: draw a pair of models with the sampler, draw a study both have a report
 * for, ask the judge, append the battle to the log, update the sampler; repeat.
 *
 * - The log is append-only JSONL (a `meta` line, then one `battle` line per battle). Rerunning with
 *   the same log resumes: judged battles are read back, the sampler is rebuilt from them and the
 *   random stream continues from the state stored with the last battle, so nothing is re-judged.
 *   A log written for other models, another judge, sampler or seed, or for different report texts
 *   (a hash of the references and predictions is kept in the meta line) is refused, naming the field.
 * - A judge failure (an exception, an unparseable verdict, an outcome outside [0, 1]) is retried
 *   `maxRetries` times with a growing delay, then the battle is recorded as `skipped` with its
 *   errors; skipped battles are counted and reported, never dropped.
 * - Two reports with identical text are a tie without asking the judge (and pairs of models whose
 *   reports are identical on every shared study are reported).
 * - Studies a model has no report for are reported per model; a pair of models with no study in
 *   common is left out of sampling and reported.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendJsonl, readJsonlDetailed, writeJsonl } from '../util/fsx.js';
import { Progress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { DEFAULT_UNIFORM_MIX, allPairs, makeSampler, type PairSampler, type WinRateEstimator } from './sampler.js';
import type { BattleRecord, Judge, Judgement, ModelPredictions } from './types.js';

export interface ArenaOptions {
  models: readonly ModelPredictions[];
  /** Study id -> reference report. */
  references: ReadonlyMap<string, string>;
  judge: Judge;
  sampler: 'active' | 'uniform';
  /** Battle records wanted in the log (judged + skipped). */
  battles: number;
  seed: number;
  /** ε of the active sampler (see sampler.ts). */
  uniformMix?: number;
  /** The variance the active sampler allocates by (see sampler.ts; default 'ipw'). */
  variance?: WinRateEstimator;
  /** Battle log (JSONL); resumed when it exists. Null or absent: in memory only. */
  logPath?: string | null;
  /** Retries after a failed judge call (default 2). */
  maxRetries?: number;
  /** Delay before the first retry, doubled each retry (default 0). */
  retryDelayMs?: number;
  /** Battles drawn from one sampling distribution and judged concurrently (default 1). */
  concurrency?: number;
  /** Stop with an error after this many skipped battles in a row (default 20). */
  maxConsecutiveSkips?: number;
  /** Show a progress bar (default true). */
  progress?: boolean;
}

export interface ArenaCoverage {
  model: string;
  /** Reference studies this model has no report for. */
  missing: number;
  missingIds: string[];
  /** Reports for ids that are not reference studies (ignored). */
  unknown: number;
}

export interface ArenaRun {
  models: string[];
  /** Pairs the sampler draws from (model indices), in sampler order. */
  pairs: [number, number][];
  records: BattleRecord[];
  coverage: ArenaCoverage[];
  excludedPairs: { models: [string, string]; reason: string }[];
  identicalPairs: [string, string][];
  /** Battles read back from the log when resuming. */
  resumed: number;
  skipped: number;
  tornTailRepaired: boolean;
  sampler: PairSampler;
  judge: string;
}

interface MetaLine {
  type: 'meta';
  version: 1;
  models: string[];
  judge: string;
  sampler: string;
  seed: number;
  uniformMix: number;
  /** Absent in logs written before the option existed: 'ipw'. */
  variance?: WinRateEstimator;
  /** SHA-256 of the references and every model's reports: a resumed log must judge the same texts. */
  inputs: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SHA-256 over the references and each model's reports (ids sorted), identifying an arena's inputs. */
export function arenaInputsHash(models: readonly ModelPredictions[], references: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  const add = (name: string, m: ReadonlyMap<string, string>) => {
    h.update(`\u0001${name}\u0001`);
    for (const id of [...m.keys()].sort()) h.update(`${id}\u0002${m.get(id)}\u0003`);
  };
  add('references', references);
  for (const m of models) add(m.name, m.reports);
  return h.digest('hex');
}

/** Which reference studies each model covers, which pairs can battle, and which are identical. */
export function arenaCoverage(models: readonly ModelPredictions[], references: ReadonlyMap<string, string>) {
  const names = models.map((m) => m.name);
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup !== undefined) throw new Error(`arena: model name '${dup}' appears twice`);
  if (models.length < 2) throw new Error(`arena: needs at least 2 models, got ${models.length}`);
  const coverage: ArenaCoverage[] = models.map((m) => {
    const missingIds = [...references.keys()].filter((id) => !m.reports.has(id));
    let unknown = 0;
    for (const id of m.reports.keys()) if (!references.has(id)) unknown++;
    return { model: m.name, missing: missingIds.length, missingIds: missingIds.slice(0, 20), unknown };
  });
  const pairs: [number, number][] = [];
  const common: string[][] = [];
  const excludedPairs: { models: [string, string]; reason: string }[] = [];
  const identicalPairs: [string, string][] = [];
  for (const [i, j] of allPairs(models.length)) {
    const ids = [...references.keys()].filter((id) => models[i].reports.has(id) && models[j].reports.has(id));
    if (ids.length === 0) {
      excludedPairs.push({ models: [names[i], names[j]], reason: 'no study with a report from both models' });
      continue;
    }
    pairs.push([i, j]);
    common.push(ids);
    if (ids.every((id) => models[i].reports.get(id) === models[j].reports.get(id))) identicalPairs.push([names[i], names[j]]);
  }
  if (pairs.length === 0) throw new Error('arena: no pair of models shares a study with a reference report');
  return { names, coverage, pairs, common, excludedPairs, identicalPairs };
}

/** Run (or resume) an arena. */
export async function runArena(opts: ArenaOptions): Promise<ArenaRun> {
  const { names, coverage, pairs, common, excludedPairs, identicalPairs } = arenaCoverage(opts.models, opts.references);
  const uniformMix = opts.uniformMix ?? DEFAULT_UNIFORM_MIX;
  const maxRetries = opts.maxRetries ?? 2;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const maxConsecutiveSkips = opts.maxConsecutiveSkips ?? 20;
  const sampler = makeSampler(opts.sampler, pairs.length, { uniformMix, variance: opts.variance });
  const rng = new Rng(opts.seed);
  const pairIndex = new Map(pairs.map(([i, j], a) => [`${names[i]}\u0000${names[j]}`, a]));
  const meta: MetaLine = {
    type: 'meta',
    version: 1,
    models: names,
    judge: opts.judge.name,
    sampler: opts.sampler,
    seed: opts.seed,
    uniformMix,
    variance: opts.variance ?? 'ipw',
    inputs: arenaInputsHash(opts.models, opts.references),
  };

  const records: BattleRecord[] = [];
  let tornTailRepaired = false;
  const logPath = opts.logPath ?? null;
  if (logPath && existsSync(logPath)) {
    const { rows, tornTail } = readJsonlDetailed<MetaLine | (BattleRecord & { type: 'battle' })>(logPath, { repairTornTail: true });
    const head = rows[0] as MetaLine | undefined;
    if (head && head.type !== 'meta') throw new Error(`${logPath}:1: expected the arena's meta line, found ${JSON.stringify(head).slice(0, 80)}`);
    if (head) {
      for (const key of ['models', 'judge', 'sampler', 'seed', 'uniformMix'] as const) {
        if (JSON.stringify(head[key]) !== JSON.stringify(meta[key])) {
          throw new Error(`${logPath}: written for ${key} ${JSON.stringify(head[key])}, this arena has ${JSON.stringify(meta[key])}; use another log path to start a new arena`);
        }
      }
      if (meta.sampler === 'active' && (head.variance ?? 'ipw') !== meta.variance) {
        throw new Error(`${logPath}: written for variance '${head.variance ?? 'ipw'}', this arena has '${meta.variance}'; use another log path to start a new arena`);
      }
      if (head.inputs !== meta.inputs) {
        throw new Error(`${logPath}: written for other reports (the references or a model's predictions changed since); use another log path or remove this one to start a new arena`);
      }
    }
    rows.slice(1).forEach((row, k) => {
      const line = k + 2;
      if (row.type !== 'battle') throw new Error(`${logPath}:${line}: expected a battle line`);
      const a = pairIndex.get(`${row.modelA}\u0000${row.modelB}`);
      if (a === undefined) throw new Error(`${logPath}:${line}: pair ${row.modelA} vs ${row.modelB} is not an arena pair`);
      if (row.t !== records.length) throw new Error(`${logPath}:${line}: battle index ${row.t}, expected ${records.length}`);
      const { type: _type, ...rec } = row;
      records.push(rec);
      if (rec.status === 'ok') sampler.update(a, rec.p, rec.outcome!);
    });
    if (records.length > 0) rng.setState(records[records.length - 1].rng);
    if (tornTail || !head) {
      // Rewrite without the torn line so that appends start on a fresh line.
      writeJsonl(logPath, [meta, ...records.map((r) => ({ type: 'battle', ...r }))]);
      tornTailRepaired = tornTail;
    }
  } else if (logPath) {
    appendJsonl(logPath, meta);
  }
  const resumed = records.length;

  const judgeOne = async (a: number, id: string): Promise<{ judgement?: Judgement; attempts: number; errors: string[] }> => {
    const [i, j] = pairs[a];
    const req = { id, reference: opts.references.get(id)!, a: opts.models[i].reports.get(id)!, b: opts.models[j].reports.get(id)! };
    if (req.a === req.b) return { judgement: { outcome: 0.5, verdict: 'tie', detail: { identicalText: true } }, attempts: 0, errors: [] };
    const errors: string[] = [];
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (attempt > 0 && opts.retryDelayMs) await sleep(opts.retryDelayMs * 2 ** (attempt - 1));
      try {
        const j = await opts.judge.judge({ ...req, attempt });
        if (!(j.outcome >= 0 && j.outcome <= 1)) throw new Error(`judge returned outcome ${j.outcome}, outside [0, 1]`);
        return { judgement: j, attempts: attempt + 1, errors };
      } catch (e) {
        errors.push(`${(e as Error).name ?? 'Error'}: ${(e as Error).message ?? String(e)}`);
      }
    }
    return { attempts: maxRetries + 1, errors };
  };

  const progress = new Progress({ label: `arena (${opts.sampler}, ${opts.judge.name})`, total: opts.battles, quiet: opts.progress === false });
  if (resumed) progress.tick(resumed, 'resumed');
  let consecutiveSkips = 0;
  let skipped = records.filter((r) => r.status === 'skipped').length;
  while (records.length < opts.battles) {
    const probs = sampler.probabilities();
    const n = Math.min(concurrency, opts.battles - records.length);
    const drawn: { a: number; p: number; id: string; rng: number[] }[] = [];
    for (let k = 0; k < n; k++) {
      const a = rng.weighted(probs);
      const id = rng.pick(common[a]);
      drawn.push({ a, p: probs[a], id, rng: rng.getState() });
    }
    const results = await Promise.all(drawn.map((d) => judgeOne(d.a, d.id)));
    for (let k = 0; k < n; k++) {
      const d = drawn[k];
      const r = results[k];
      const [i, j] = pairs[d.a];
      const rec: BattleRecord = {
        t: records.length,
        modelA: names[i],
        modelB: names[j],
        id: d.id,
        p: d.p,
        sampler: opts.sampler,
        judge: opts.judge.name,
        status: r.judgement ? 'ok' : 'skipped',
        attempts: r.attempts,
        rng: d.rng,
      };
      if (r.judgement) {
        rec.outcome = r.judgement.outcome;
        rec.verdict = r.judgement.verdict;
        if (r.judgement.detail) rec.detail = r.judgement.detail;
        sampler.update(d.a, d.p, r.judgement.outcome);
        consecutiveSkips = 0;
      } else {
        consecutiveSkips++;
        skipped++;
      }
      if (r.errors.length) rec.errors = r.errors;
      records.push(rec);
      if (logPath) appendJsonl(logPath, { type: 'battle', ...rec });
      progress.tick(1, `${skipped} skipped`);
    }
    if (consecutiveSkips >= maxConsecutiveSkips) {
      const last = records[records.length - 1].errors?.at(-1) ?? '';
      throw new Error(
        `arena: the judge failed on ${consecutiveSkips} battles in a row (last error: ${last}); the ${records.length} battles so far are kept${logPath ? ` in ${logPath}; rerun to resume` : ''}`,
      );
    }
  }
  progress.finish(`${skipped} skipped`);
  return { models: names, pairs, records, coverage, excludedPairs, identicalPairs, resumed, skipped, tornTailRepaired, sampler, judge: opts.judge.name };
}
