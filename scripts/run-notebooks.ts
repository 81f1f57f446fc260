/**
 * `npm run notebooks [-- --profile smoke] [NAME …]`: execute every notebook in notebooks/ headless
 * (nbconvert, the project's tslab kernel) on the chosen profile. Executed copies go to
 * notebooks/.executed/ (git-ignored). Exits non-zero when any cell of any notebook fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES } from '../src/config.js';
import { parseArgs } from '../src/commands/args.js';
import { formatSeconds } from '../src/util/progress.js';
import { PROJECT_ROOT } from '../src/util/paths.js';

const args = parseArgs(process.argv.slice(2), { values: ['timeout'], positionals: true });
const profile = typeof args.flags.profile === 'string' ? args.flags.profile : 'smoke';
if (!(PROFILES as readonly string[]).includes(profile)) {
  console.error(`unknown profile '${profile}'; choose one of ${PROFILES.join(', ')}`);
  process.exit(2);
}
const timeout = Number(args.flags.timeout ?? 1200);
const dir = join(PROJECT_ROOT, 'notebooks');
const outDir = join(dir, '.executed');
mkdirSync(outDir, { recursive: true });

const kernelSpec = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { encoding: 'utf8' });
const kernelName = process.env.DEEPMEDIX_KERNEL ?? 'deepmedix';
if (kernelSpec.status !== 0 || !JSON.parse(kernelSpec.stdout).kernelspecs?.[kernelName]) {
  console.error(`the '${kernelName}' Jupyter kernel is not registered: run 'npm run setup:jupyter' first`);
  process.exit(2);
}

const wanted = args.positionals;
const notebooks = readdirSync(dir)
  .filter((f) => f.endsWith('.ipynb'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w) || f === w))
  .sort();
if (notebooks.length === 0) {
  console.error(`no notebooks matched in ${dir}`);
  process.exit(2);
}

const failures: string[] = [];
const started = Date.now();
for (const nb of notebooks) {
  const t0 = Date.now();
  process.stdout.write(`[notebooks] ${nb} (profile ${profile}) … `);
  const r = spawnSync('/usr/bin/python3', [join(PROJECT_ROOT, 'scripts/execute_notebook.py'), join(dir, nb), join(outDir, nb), String(timeout)], {
    encoding: 'utf8',
    cwd: PROJECT_ROOT,
    env: { ...process.env, DEEPMEDIX_PROFILE: profile },
  });
  const secs = (Date.now() - t0) / 1000;
  if (r.status === 0) {
    console.log(`ok in ${formatSeconds(secs)}`);
  } else {
    console.log(`FAILED in ${formatSeconds(secs)}`);
    console.log((r.stdout || '').trim());
    console.log((r.stderr || '').trim().split('\n').slice(-15).join('\n'));
    failures.push(nb);
  }
}
console.log(`[notebooks] all done in ${formatSeconds((Date.now() - started) / 1000)}${failures.length ? `; failed: ${failures.join(', ')}` : ''}`);
console.log(`notebooks: ${notebooks.length - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
