/**
 * Command-line flags: `--name value`, `--name=value`, boolean `--flag`, and dotted config overrides
 * (`--sft.lr=3e-4`). Each command declares the flags it knows; any other flag is a usage error that
 * names it (and the nearest known one), so a typo never passes silently.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Flags that take a value (`profile` is known to every command). */
  values?: readonly string[];
  /** Flags that never take a value (so `--json file` leaves `file` positional). */
  booleans?: readonly string[];
  /** Whether bare arguments are allowed (default: no). */
  positionals?: boolean;
}

export interface ParsedArgs {
  /** Plain (non-dotted) flags; a boolean flag is `true`. */
  flags: Record<string, string | true>;
  /** Dotted config overrides (`--sft.lr=3e-4`). */
  overrides: Record<string, string>;
  positionals: string[];
}

const COMMON_VALUES = ['profile'];

/** Parse `--a.b=v` / `--a.b v` flags into dotted overrides; other args are returned as rest. */
export function parseOverrideFlags(args: string[]): { overrides: Record<string, string>; rest: string[] } {
  const overrides: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^--([A-Za-z][\w-]*(?:\.[\w-]+)+)(?:=(.*))?$/s.exec(a);
    if (m) {
      let value = m[2];
      if (value === undefined) {
        if (i + 1 >= args.length) throw new ConfigError(`override --${m[1]} needs a value (--${m[1]}=VALUE)`);
        value = args[++i];
      }
      overrides[m[1]] = value;
    } else rest.push(a);
  }
  return { overrides, rest };
}

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

function unknownFlag(name: string, known: string[]): UsageError {
  const near = known.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0];
  const hint = near && near[1] <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${near[0]}?)` : '';
  return new UsageError(`unknown flag --${name}${hint}; this command knows ${known.map((k) => `--${k}`).join(', ')}`);
}

/** Parse argv against the command's flags. */
export function parseArgs(argv: string[], spec: FlagSpec = {}): ParsedArgs {
  const booleans = spec.booleans ?? [];
  const values = [...COMMON_VALUES, ...(spec.values ?? [])];
  const known = [...values, ...booleans];
  const { overrides, rest } = parseOverrideFlags(argv);
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    const m = /^--([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(a);
    if (!m) {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`'${a}' is not a flag this command knows (flags start with --)`);
      positionals.push(a);
      continue;
    }
    const [, name, value] = m;
    if (!known.includes(name)) throw unknownFlag(name, known);
    if (name in flags) throw new UsageError(`--${name} is given twice`);
    if (booleans.includes(name)) {
      if (value !== undefined) throw new UsageError(`--${name} takes no value (got --${name}=${value})`);
      flags[name] = true;
    } else if (value !== undefined) flags[name] = value;
    else if (i + 1 < rest.length && !rest[i + 1].startsWith('--')) flags[name] = rest[++i];
    else throw new UsageError(`--${name} needs a value`);
  }
  if (positionals.length && !spec.positionals) throw new UsageError(`unexpected argument '${positionals[0]}' (this command takes flags only)`);
  return { flags, overrides, positionals };
}

/** A required string flag, or a usage error naming it. */
export function requireFlag(args: ParsedArgs, name: string): string {
  const v = args.flags[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name} VALUE`);
  return v;
}

export function stringFlag(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v ?? fallback;
}

export interface NumberRange {
  /** Smallest allowed value (inclusive). */
  min?: number;
  max?: number;
  integer?: boolean;
}

/** A number flag, checked against its range; a usage error names the flag and the range. */
export function numberFlag(args: ParsedArgs, name: string, fallback?: number, range: NumberRange = {}): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${v}'`);
  if (range.integer && !Number.isInteger(n)) throw new UsageError(`--${name} expects a whole number, got ${v}`);
  if (range.min !== undefined && n < range.min) throw new UsageError(`--${name} must be ≥ ${range.min}, got ${v}`);
  if (range.max !== undefined && n > range.max) throw new UsageError(`--${name} must be ≤ ${range.max}, got ${v}`);
  return n;
}

/** A positive whole-number flag (counts and sizes: --limit, --batch, --n). */
export function countFlag(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  return numberFlag(args, name, fallback, { min: 1, integer: true });
}

/**
 * An output directory, checked before any work (and not created: a run that fails leaves nothing
 * behind): a path that is a file, or one under a file or an unwritable directory, is a usage error
 * naming the flag; `replaces` lists the files there that the command will replace, and a line says so.
 */
export function checkOutputDir(dir: string, flag: string, replaces: readonly string[] = []): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir} is a file; name a directory`);
  writableAncestor(resolve(dir), `${flag} ${dir}`);
  const there = replaces.filter((f) => existsSync(join(dir, f)));
  if (there.length) console.log(`${dir} holds ${there.join(', ')} from an earlier run: replacing ${there.length === 1 ? 'it' : 'them'}`);
}

/** An output file's path, checked before any work: not a directory, and its folder can be created and written. */
export function checkOutputFile(file: string, flag: string, what = 'file'): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${file} is a directory; name a ${what}`);
  writableAncestor(dirname(resolve(file)), `${flag} ${file}`);
}

/** The nearest existing ancestor of `path` (itself included) must be a writable directory. */
function writableAncestor(path: string, what: string): void {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  if (!statSync(at).isDirectory()) throw new UsageError(`${what} cannot be created: ${at} is a file`);
  try {
    accessSync(at, constants.W_OK);
  } catch {
    throw new UsageError(`${what} cannot be written: ${at} is not writable`);
  }
}
