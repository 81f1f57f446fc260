/**
 * Content-addressed JSONL cache for chat completions: one line per answered request, keyed by the
 * SHA-256 of the request body. A rerun never pays twice for the same request, and a run that was
 * killed resumes where it stopped. A torn last line (the writer was killed mid-write) is cut off on
 * load, keeping every complete entry before it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { appendJsonl, readJsonlDetailed } from '../util/fsx.js';

export interface CacheEntry {
  /** SHA-256 (hex) of the canonical request. */
  key: string;
  /** The model named in the request (for people reading the file). */
  model: string;
  text: string;
  /** ISO time the answer was received. */
  at: string;
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestKey(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

export interface CacheLoadReport {
  entries: number;
  /** True when a torn last line was found and cut off. */
  repairedTornTail: boolean;
  /** Malformed lines in the middle of the file (skipped, named in `skipped`). */
  skipped: { line: number; error: string }[];
}

export class CompletionCache {
  private readonly map = new Map<string, CacheEntry>();
  readonly loadReport: CacheLoadReport;

  /** Open (or start) a cache file; `path` null keeps the cache in memory only. */
  constructor(readonly path: string | null) {
    this.loadReport = { entries: 0, repairedTornTail: false, skipped: [] };
    if (path && existsSync(path)) this.load(path);
  }

  private load(path: string): void {
    const { rows, skipped, tornTail } = readJsonlDetailed<CacheEntry>(path, { lenient: true, repairTornTail: true });
    if (tornTail) {
      // Cut the file back to its last complete line so later appends start on a fresh line.
      const text = readFileSync(path);
      const lastNewline = text.lastIndexOf(0x0a);
      truncateSync(path, lastNewline + 1);
    }
    for (const row of rows) {
      if (row && typeof row.key === 'string' && typeof row.text === 'string') this.map.set(row.key, row);
    }
    this.loadReport.entries = this.map.size;
    this.loadReport.repairedTornTail = tornTail;
    this.loadReport.skipped = skipped;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): CacheEntry | undefined {
    return this.map.get(key);
  }

  /** Record an answer: in memory, and appended to the file (one line, one write). */
  put(key: string, model: string, text: string): CacheEntry {
    const entry: CacheEntry = { key, model, text, at: new Date().toISOString() };
    this.map.set(key, entry);
    if (this.path) appendJsonl(this.path, entry);
    return entry;
  }
}
