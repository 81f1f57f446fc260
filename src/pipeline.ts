/**
 * Stage caching for the main job: each stage runs in its own directory under the run, keyed by a
 * hash of what it depends on (its config, the hashes of the stages before it). A stage whose key is
 * unchanged and which finished is skipped; one that was interrupted runs again (its own code may
 * resume from checkpoints inside its directory: `ctx.resume`); a stage whose inputs changed starts
 * from an empty directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJson } from './util/fsx.js';
import { formatSeconds } from './util/progress.js';

export interface StageSpec<T> {
  id: string;
  /** One line saying what the stage does. */
  what: string;
  /** Everything the stage's result depends on besides upstream stages (config sections, seeds). */
  key: unknown;
  /** Ids of the stages whose results this one reads. */
  after?: string[];
  /**
   * Run the stage, writing its outputs under dir; resolve to a small JSON-able summary. `resume` is
   * true when an earlier run of the same inputs was interrupted in this directory (its partial
   * outputs, e.g. checkpoints, are still there).
   */
  run(dir: string, ctx: { resume: boolean }): Promise<T>;
}

export interface StageRecord<T> {
  id: string;
  hash: string;
  finishedAt: string;
  seconds: number;
  /** CPU seconds of this process (all its threads) during the stage: a measure that load on a shared machine does not inflate. */
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
  private readonly records = new Map<string, StageRecord<unknown>>();

  constructor(
    readonly runDir: string,
    private readonly log: (line: string) => void = (l) => console.log(l),
  ) {}

  stageDir(id: string): string {
    return join(this.runDir, 'stages', id);
  }

  /** The record of a stage that ran (or was skipped) in this pipeline. */
  record<T>(id: string): StageRecord<T> {
    const r = this.records.get(id);
    if (!r) throw new Error(`stage '${id}' has not run yet`);
    return r as StageRecord<T>;
  }

  async run<T>(spec: StageSpec<T>): Promise<StageRecord<T>> {
    const upstream = (spec.after ?? []).map((id) => [id, this.record(id).hash]);
    const hash = stableHash({ id: spec.id, key: spec.key, upstream });
    const dir = this.stageDir(spec.id);
    const marker = join(dir, 'stage.json');
    const started = join(dir, 'stage-started.json');
    if (existsSync(marker)) {
      const prev = readJson<StageRecord<T>>(marker);
      if (prev.hash === hash) {
        this.log(`[${spec.id}] unchanged since ${prev.finishedAt} (${formatSeconds(prev.seconds)}): skipped`);
        this.records.set(spec.id, prev);
        return prev;
      }
      this.log(`[${spec.id}] inputs changed: running again`);
    }
    // Outputs of other inputs (a finished run, or an interrupted one) are stale: start clean. An
    // interrupted run of the same inputs keeps its directory and is told to resume.
    const resume = !existsSync(marker) && existsSync(started) && readJson<{ hash?: string }>(started).hash === hash;
    if (!resume && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    writeJson(started, { id: spec.id, hash, startedAt: new Date().toISOString() });
    this.log(`[${spec.id}] ${resume ? 'resuming: ' : ''}${spec.what}`);
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const summary = await spec.run(dir, { resume });
    const cpu = process.cpuUsage(cpu0);
    const record: StageRecord<T> = { id: spec.id, hash, finishedAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, summary };
    writeJson(marker, record);
    this.records.set(spec.id, record);
    this.log(`[${spec.id}] done in ${formatSeconds(record.seconds)}`);
    return record;
  }
}
