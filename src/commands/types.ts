import type { FlagSpec } from './args.js';

/** The shape every `deepmedix` subcommand module exports. */
export interface Command {
  name: string;
  /** One line for `deepmedix --help`. */
  summary: string;
  /** Full usage text for `deepmedix NAME --help`; it documents every flag in `flags`. */
  usage: string;
  /** The flags the command knows (any other is a usage error). */
  flags: FlagSpec;
  /** Run with the arguments after the subcommand name; resolve to the exit code. */
  run(argv: string[]): Promise<number>;
}

export const COMMON_FLAGS = `Common flags:
  --profile smoke|default|paper   named settings (default: default)
  --SECTION.KEY=VALUE             override any config key, e.g. --sft.lr=3e-4 --grpo.groupSize=8
  --help                          this text`;
