/**
 * What every real-format loader shares: errors that name the file and line, lenient mode (skip and
 * count), and a small RFC 4180 CSV reader that keeps each record's starting line number.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A bad input: the message starts with `file:line:` (line omitted when unknown). */
export class DataError extends Error {
  override name = 'DataError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${detail}`);
  }
}

export interface LoaderOptions {
  /** Skip bad rows (and count them in `skipped`) instead of throwing. */
  lenient?: boolean;
}

export interface Skipped {
  file: string;
  line?: number;
  error: string;
}

export interface Loaded<T> {
  items: T[];
  skipped: Skipped[];
}

/** Run one row's conversion: a DataError (or any error) becomes a skip when lenient, else is thrown. */
export function guard<T>(file: string, line: number | undefined, lenient: boolean | undefined, skipped: Skipped[], f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    const err = e instanceof DataError ? e : new DataError(file, line, (e as Error).message);
    if (!lenient) throw err;
    skipped.push({ file, line, error: err.message });
    return undefined;
  }
}

/** Read a text file (gunzipped when it ends in .gz; `name.csv` also finds `name.csv.gz`). */
export function readText(file: string): string {
  const path = existsSync(file) ? file : existsSync(`${file}.gz`) ? `${file}.gz` : null;
  if (!path) throw new DataError(file, undefined, 'file not found');
  let buf = readFileSync(path);
  if (path.endsWith('.gz')) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(path, undefined, `not valid gzip (${(e as Error).message})`);
    }
  }
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  values: string[];
}

/** Parse CSV text (quoted fields, doubled quotes, newlines inside quotes, CRLF). */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const values: string[] = [];
    let field = '';
    let quoted = false;
    let end = false;
    while (!end) {
      if (i >= n) {
        if (quoted) throw new DataError(file, start, 'unterminated quoted field');
        values.push(field);
        break;
      }
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
        } else {
          if (c === '\n') line++;
          field += c;
          i++;
        }
      } else if (c === '"' && field === '') {
        quoted = true;
        i++;
      } else if (c === ',') {
        values.push(field);
        field = '';
        i++;
      } else if (c === '\n' || c === '\r') {
        values.push(field);
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        end = true;
      } else {
        field += c;
        i++;
      }
    }
    if (!(values.length === 1 && values[0] === '')) out.push({ line: start, values });
  }
  return out;
}

export interface CsvTable {
  file: string;
  header: string[];
  rows: { line: number; get(col: string): string; values: string[] }[];
  /** Rows with the wrong number of fields (already skipped when lenient). */
  skipped: Skipped[];
}

/**
 * Read a CSV file with a header row; `required` columns must exist (an error naming the file and
 * the missing column). A row with the wrong number of fields is an error naming its line.
 */
export function readCsv(file: string, required: readonly string[], opts: LoaderOptions = {}): CsvTable {
  const records = parseCsv(readText(file), file);
  if (!records.length) throw new DataError(file, 1, 'empty file (no header row)');
  const header = records[0].values.map((h) => h.trim());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) throw new DataError(file, 1, `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (header: ${header.join(', ')})`);
  const index = new Map(header.map((h, i) => [h, i]));
  const skipped: Skipped[] = [];
  const rows: CsvTable['rows'] = [];
  for (const r of records.slice(1)) {
    if (r.values.length !== header.length) {
      const err = new DataError(file, r.line, `expected ${header.length} fields, found ${r.values.length}`);
      if (!opts.lenient) throw err;
      skipped.push({ file, line: r.line, error: err.message });
      continue;
    }
    rows.push({
      line: r.line,
      values: r.values,
      get(col: string) {
        const k = index.get(col);
        if (k === undefined) throw new DataError(file, r.line, `no column '${col}'`);
        return r.values[k];
      },
    });
  }
  return { file, header, rows, skipped };
}

/** A finite number from a field, or a DataError naming the column. */
export function num(file: string, line: number, col: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new DataError(file, line, `column '${col}': expected a number, got '${v}'`);
  return x;
}

/** Check a box lies inside a width×height image and is not inverted. */
export function checkBox(file: string, line: number, box: number[], width: number, height: number): void {
  const [x0, y0, x1, y1] = box;
  if (!(x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height)) throw new DataError(file, line, `box [${box.join(', ')}] lies outside the ${width}x${height} image`);
  if (!(x1 > x0 && y1 > y0)) throw new DataError(file, line, `box [${box.join(', ')}] is empty or inverted`);
}
