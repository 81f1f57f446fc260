/** File helpers: atomic writes, JSONL read/append with line-numbered errors. */
import { appendFileSync, closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Write a file atomically: write a temp file beside it, then rename over the target. */
export function atomicWrite(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeJson(path: string, value: unknown): void {
  atomicWrite(path, JSON.stringify(value, null, 2) + '\n');
}

export function readJson<T = unknown>(path: string): T {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function writeJsonl(path: string, rows: Iterable<unknown>): void {
  const lines: string[] = [];
  for (const r of rows) lines.push(JSON.stringify(r));
  atomicWrite(path, lines.length ? lines.join('\n') + '\n' : '');
}

/**
 * Cut a torn last line (no final newline, as left by a writer killed mid-line) off a line file, so
 * that what is appended next starts on a line of its own. Returns the bytes removed (0: clean).
 */
export function repairTornTail(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 10) return 0;
    // Walk back to the last newline, a block at a time.
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = readSync(fd, block, 0, end - start, start);
      const at = block.subarray(0, n).lastIndexOf(10);
      if (at >= 0) {
        ftruncateSync(fd, start + at + 1);
        return size - (start + at + 1);
      }
      end = start;
    }
    ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}

/** Append one JSON line; a torn last line left by a killed writer is cut off first (readers drop it too). */
export function appendJsonl(path: string, row: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  repairTornTail(path);
  appendFileSync(path, JSON.stringify(row) + '\n');
}

export interface ReadJsonlOptions {
  /** Skip (and count) malformed lines instead of throwing. */
  lenient?: boolean;
  /** Drop a torn (unterminated, unparseable) last line, as left by a killed writer. */
  repairTornTail?: boolean;
}

export interface JsonlResult<T> {
  rows: T[];
  skipped: { line: number; error: string }[];
  tornTail: boolean;
}

/** Read a JSONL file; a malformed line is an error naming file and line (or skipped when lenient). */
export function readJsonlDetailed<T = unknown>(path: string, opts: ReadJsonlOptions = {}): JsonlResult<T> {
  if (!existsSync(path)) throw new Error(`${path}: file not found`);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n') || text.length === 0;
  const rows: T[] = [];
  const skipped: { line: number; error: string }[] = [];
  let tornTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch (e) {
      const isLast = i === lines.length - 1 && !endsClean;
      if (isLast && opts.repairTornTail) {
        tornTail = true;
        continue;
      }
      const error = `${path}:${i + 1}: malformed JSON line (${(e as Error).message})`;
      if (!opts.lenient) throw new Error(error);
      skipped.push({ line: i + 1, error });
    }
  }
  return { rows, skipped, tornTail };
}

export function readJsonl<T = unknown>(path: string, opts: ReadJsonlOptions = {}): T[] {
  return readJsonlDetailed<T>(path, opts).rows;
}

/** Read a JSONL file strictly: UTF-8 checked per line, each line an object; errors name file:line. */
export function readJsonlStrict(path: string): { line: number; value: Record<string, unknown> }[] {
  const buf = readFileSync(path);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: { line: number; value: Record<string, unknown> }[] = [];
  let start = 0;
  let line = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    line++;
    let text: string;
    try {
      text = decoder.decode(buf.subarray(start, end));
    } catch {
      throw new Error(`${path}:${line}: not valid UTF-8`);
    }
    start = end + 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}:${line}: malformed JSON line (${(e as Error).message})`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}:${line}: expected a JSON object`);
    out.push({ line, value: value as Record<string, unknown> });
  }
  return out;
}
