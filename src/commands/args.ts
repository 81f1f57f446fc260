/** Command-line flags: `--name value`, `--name=value`, boolean `--flag`, and dotted config overrides. */
import { parseOverrideFlags } from '../config.js';

export interface ParsedArgs {
  /** Plain (non-dotted) flags; a flag with no value is `true`. */
  flags: Record<string, string | true>;
  /** Dotted config overrides (`--sft.lr=3e-4`). */
  overrides: Record<string, string>;
  positionals: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parse argv. `booleans` names flags that never take a value (so `--json file` leaves `file`
 * positional). Dotted flags become config overrides.
 */
export function parseArgs(argv: string[], booleans: readonly string[] = []): ParsedArgs {
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
      positionals.push(a);
      continue;
    }
    const [, name, value] = m;
    if (value !== undefined) flags[name] = value;
    else if (booleans.includes(name) || i + 1 >= rest.length || rest[i + 1].startsWith('--')) flags[name] = true;
    else flags[name] = rest[++i];
  }
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

export function numberFlag(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${v}'`);
  return n;
}
