import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { initBackend } from '../../src/backend.js';
import { resolveConfig } from '../../src/config.js';
import { trainSft } from '../../src/train/sft.js';
import { tinyDataset } from './fixtures.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';

describe('deepmedix train / predict command line', function () {
  this.timeout(120_000);
  let root = '';
  let out = '';
  before(async () => {
    await initBackend({ log: null });
    const data = await tinyDataset(4);
    root = data.root;
    out = mkdtempSync(join(tmpdir(), 'dmx-cli-'));
    const r = await trainSft({ config: resolveConfig('smoke', { 'sft.batchSize': 4 }), out: join(out, 'ck'), train: data.records, val: [], imageRoot: root, quiet: true });
    r.model.dispose();
    writeFileSync(join(root, 'bench.jsonl'), data.records.map((x) => JSON.stringify(x)).join('\n') + '\n');
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('predict writes one {"id","text"} line per benchmark record', async () => {
    const pred = join(out, 'pred.jsonl');
    const code = await main(['predict', '--checkpoint', join(out, 'ck'), '--benchmark', join(root, 'bench.jsonl'), '--out', pred, '--max-new-tokens', '6', '--quiet']);
    assert.equal(code, 0);
    const lines = readFileSync(pred, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 8);
    for (const l of lines) assert.deepEqual(Object.keys(l), ['id', 'text']);
    assert.equal(lines[0].id, 's0-vqa');
  });

  it('train refuses an unknown stage with a usage error', () => {
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/deepmedix.js'), 'train', '--stage', 'rl', '--profile', 'smoke'], { encoding: 'utf8', cwd: PROJECT_ROOT });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--stage must be 'sft' or 'grpo' \(got 'rl'\)/);
  });

  for (const stage of ['sft', 'grpo']) {
    it(`train --stage ${stage} refuses to overwrite a checkpoint without --resume (usage error, no stack)`, () => {
      const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/deepmedix.js'), 'train', '--stage', stage, '--profile', 'smoke', '--out', join(out, 'ck'), '--init', join(out, 'ck'), '--cohort', root], { encoding: 'utf8', cwd: PROJECT_ROOT });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /already holds a checkpoint; pass --resume/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
