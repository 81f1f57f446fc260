/**
 * Step caching for the main job: each job step runs in its own directory under the run
 * (`<run>/steps/<id>/`, named by src/run-layout.ts), keyed by a hash of what it depends on (its
 * config, the code it runs, the hashes of the steps before it). A step whose key is unchanged and
 * which finished is skipped; one that was interrupted runs again (its own code may resume from
 * checkpoints inside its directory: `ctx.resume`); a step whose inputs changed starts from an empty
 * directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { layoutAt } from '../run-layout.js';
import { readJson, writeJson } from '../util/fsx.js';
import { codeHash } from './code-hash.js';
import { formatSeconds } from '../util/progress.js';

export interface JobStep<T> {
  id: string;
  /** One line saying what the step does. */
  what: string;
  /** Everything the step's result depends on besides upstream steps and code (config sections, seeds). */
  key: unknown;
  /**
   * The source modules the step runs (paths from the project root, e.g. `src/job/steps/stage1.ts`):
   * their code and everything they import is part of the key, so changed code reruns the step.
   */
  code?: string[];
  /** Ids of the steps whose results this one reads. */
  after?: string[];
  /**
   * Run the step, writing its outputs under dir; resolve to a small JSON-able summary. `resume` is
   * true when an earlier run of the same inputs was interrupted in this directory (its partial
   * outputs, e.g. checkpoints, are still there).
   */
  run(dir: string, ctx: { resume: boolean; record: <U>(id: string) => StepRecord<U> }): Promise<T>;
  /** A finished step whose outputs went missing since (told by its summary) runs again. */
  stale?(summary: T): boolean;
}

export interface StepRecord<T> {
  id: string;
  hash: string;
  finishedAt: string;
  seconds: number;
  /** CPU seconds of this process (all its threads) during the step: a measure that load on a shared machine does not inflate. */
  cpuSeconds?: number;
  summary: T;
}

export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal values hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class Pipeline {
  private readonly records = new Map<string, StepRecord<unknown>>();

  constructor(
    readonly runDir: string,
    private readonly log: (line: string) => void = (l) => console.log(l),
  ) {}

  /** The record of a step that ran (or was skipped) in this pipeline. */
  record<T>(id: string): StepRecord<T> {
    const r = this.records.get(id);
    if (!r) throw new Error(`job step '${id}' has not run yet`);
    return r as StepRecord<T>;
  }

  async run<T>(spec: JobStep<T>): Promise<StepRecord<T>> {
    const hash = stepHash(spec, (id) => this.record(id).hash);
    const dir = layoutAt(this.runDir).step(spec.id);
    const marker = stepMarker(dir);
    const started = stepMarker(dir, 'started');
    if (existsSync(marker)) {
      const prev = readJson<StepRecord<T>>(marker);
      if (prev.hash !== hash) this.log(`[${spec.id}] inputs changed: running again`);
      else if (spec.stale?.(prev.summary)) this.log(`[${spec.id}] its outputs are gone: running again`);
      else {
        this.log(`[${spec.id}] unchanged since ${prev.finishedAt} (${formatSeconds(prev.seconds)}): skipped`);
        this.records.set(spec.id, prev);
        return prev;
      }
    }
    // Outputs of other inputs (a finished run, or an interrupted one) are stale: start clean. An
    // interrupted run of the same inputs keeps its directory and is told to resume.
    const resume = !existsSync(marker) && existsSync(started) && readJson<{ hash?: string }>(started).hash === hash;
    if (!resume && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    writeJson(started, { id: spec.id, hash, startedAt: new Date().toISOString() });
    this.log(`[${spec.id}] ${resume ? 'resuming: ' : ''}${spec.what}`);
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const summary = await spec.run(dir, { resume, record: (id) => this.record(id) });
    const cpu = process.cpuUsage(cpu0);
    const record: StepRecord<T> = { id: spec.id, hash, finishedAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, summary };
    writeJson(marker, record);
    this.records.set(spec.id, record);
    this.log(`[${spec.id}] done in ${formatSeconds(record.seconds)}`);
    return record;
  }
}

/** The file that marks a finished step (`step.json`), or one that started (`step-started.json`). */
export function stepMarker(stepDir: string, which: 'finished' | 'started' = 'finished'): string {
  return join(stepDir, which === 'finished' ? 'step.json' : 'step-started.json');
}

/** A step's input hash: its id, key and code, and the hashes of the steps it reads. */
export function stepHash(spec: Pick<JobStep<unknown>, 'id' | 'key' | 'code' | 'after'>, upstreamHash: (id: string) => string): string {
  const upstream = (spec.after ?? []).map((id) => [id, upstreamHash(id)]);
  return stableHash({ id: spec.id, key: spec.key, code: spec.code ? codeHash(spec.code) : undefined, upstream });
}

/** The input hash every step would run with, in order (each step's upstream must come before it). */
export function plannedHashes(specs: readonly JobStep<unknown>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of specs) {
    out.set(
      s.id,
      stepHash(s, (id) => {
        const h = out.get(id);
        if (!h) throw new Error(`step '${s.id}' reads '${id}', which comes later or not at all`);
        return h;
      }),
    );
  }
  return out;
}
