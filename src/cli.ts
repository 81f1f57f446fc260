/**
 * `deepmedix` command line: the main job (`run`, what `npm start` calls) and the subcommands.
 * Each subcommand lives in `src/commands/NAME.ts` and is loaded only when used.
 */
import { COMMON_FLAGS, type Command } from './commands/types.js';
import { ConfigError } from './config.js';
import { UsageError } from './commands/args.js';

/** Subcommands, in the order `--help` lists them. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).command,
  study: async () => (await import('./commands/study.js')).command,
  arena: async () => (await import('./commands/arena.js')).command,
  cohort: async () => (await import('./commands/cohort.js')).command,
  reward: async () => (await import('./commands/reward.js')).command,
  train: async () => (await import('./commands/train.js')).command,
  predict: async () => (await import('./commands/predict.js')).command,
  serve: async () => (await import('./commands/serve.js')).command,
  synthesize: async () => (await import('./commands/synthesize.js')).command,
  viewer: async () => (await import('./commands/viewer.js')).command,
  export: async () => (await import('./commands/export.js')).command,
  evaluate: async () => (await import('./commands/evaluate.js')).command,
  label: async () => (await import('./commands/label.js')).command,
};

async function usage(): Promise<string> {
  const lines = ['Usage: deepmedix COMMAND [flags]', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const c = await load();
    lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  }
  lines.push('', COMMON_FLAGS, '', "Run 'deepmedix COMMAND --help' for a command's flags. Backend: DEEPMEDIX_BACKEND=gpu|node|wasm|cpu forces one.");
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`deepmedix: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // By name, not instanceof: under some loaders a dynamically imported command sees its own copy of the class.
    if (e instanceof Error && (e.name === UsageError.name || e.name === ConfigError.name)) {
      console.error(`deepmedix ${name}: ${e.message}\n(see 'deepmedix ${name} --help')`);
      return 2;
    }
    throw e;
  }
}

const invokedDirectly = process.argv[1] && /(?:cli\.ts|deepmedix(?:\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  // Output piped into a reader that stops early (`| head`): end quietly, as Unix tools do, not with an EPIPE stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // The message says what went wrong (files, lines, fields); the stack is for developers.
      const debug = process.env.DEEPMEDIX_DEBUG === '1';
      console.error(`deepmedix: ${(debug ? (e as Error)?.stack : (e as Error)?.message) ?? e}${debug ? '' : '\n(DEEPMEDIX_DEBUG=1 shows where)'}`);
      process.exitCode = 1;
    },
  );
}
