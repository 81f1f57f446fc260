import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.js';

function deepmedix(args: string[]) {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/deepmedix.js'), ...args], { encoding: 'utf8', cwd: PROJECT_ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('deepmedix CLI', () => {
  it('--help lists the main job and the common flags', () => {
    const r = deepmedix(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: deepmedix COMMAND/);
    assert.match(r.out, /\brun\b.*main job/);
    assert.match(r.out, /--profile smoke\|default\|paper/);
  });

  it('an unknown command exits 2 with the usage', () => {
    const r = deepmedix(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'frobnicate'/);
  });

  it('run --dry-run prints the plan and the backend and writes the resolved config', () => {
    const out = mkdtempSync(join(tmpdir(), 'dmx-cli-'));
    const r = deepmedix(['run', '--dry-run', '--profile', 'smoke', '--out', out, '--grpo.groupSize=6']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /profile 'smoke', backend \w+/);
    assert.match(r.out, /stage3/);
    assert.match(r.err, /\[deepmedix\] backend \w+/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.grpo.groupSize, 6);
    assert.equal(config.profile, 'smoke');
  });

  it('a bad override exits 2 naming the key', () => {
    const r = deepmedix(['run', '--dry-run', '--sft.lr=fast']);
    assert.equal(r.code, 2);
    assert.match(r.err, /config key 'sft\.lr' expects a number, got "fast"/);
  });
});

describe('deepmedix commands: flags', () => {
  const NAMES = ['run', 'arena', 'cohort', 'reward', 'train', 'predict', 'serve', 'synthesize', 'viewer', 'export', 'evaluate', 'label', 'study'];
  it('every command documents the flags it knows, and knows the flags it documents', async () => {
    for (const name of NAMES) {
      const { command } = (await import(`../../src/commands/${name}.ts`)) as { command: import('../../src/commands/types.js').Command };
      // Mentions of another command's flags (`'deepmedix cohort --datasets'`) are not this command's.
      const own = command.usage.replace(/deepmedix (?!NAME\b)([a-z]+)[^\n']*/g, (m, other: string) => (other === name ? m : ''));
      const documented = new Set([...own.matchAll(/--([a-z][a-z-]*)(?![.\w])/g)].map((m) => m[1]));
      const known = new Set(['profile', 'help', ...(command.flags.values ?? []), ...(command.flags.booleans ?? [])]);
      assert.deepEqual([...known].filter((f) => !documented.has(f) && f !== 'profile' && f !== 'help'), [], `${name}: known but not documented`);
      assert.deepEqual([...documented].filter((f) => !known.has(f)), [], `${name}: documented but refused`);
    }
  });

  it('an unknown flag is a usage error naming it (exit 2, no stack)', () => {
    const r = deepmedix(['predict', '--limt', '2']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown flag --limt \(did you mean --limit\?\)/);
    assert.doesNotMatch(r.err, /\n\s+at /);
  });
});
