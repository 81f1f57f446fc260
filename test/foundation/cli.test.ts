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
