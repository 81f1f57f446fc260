/** `deepmedix synthesize` on a tiny rendered cohort: outputs, the filter table, resume, bad flags. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { prepareDatasets } from '../../src/data/prepare.js';
import { command } from '../../src/commands/synthesize.js';
import { readJson, readJsonl } from '../../src/util/fsx.js';
import { UsageError } from '../../src/commands/args.js';

describe('deepmedix synthesize', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmx-syncmd-'));
    const config = resolveConfig('smoke', { seed: 5, 'cohort.n': 8, 'benchmark.testStudies': 2, 'benchmark.valStudies': 1, 'benchmark.total': 6 });
    await prepareDatasets(config, join(dir, 'cohort'), { useShared: false, quiet: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const args = (out: string, extra: string[] = []) => ['--cohort', join(dir, 'cohort'), '--out', out, '--profile', 'smoke', '--benchmark.testStudies=2', '--benchmark.valStudies=1', '--n', '12', '--quiet', ...extra];

  it('writes samples, verdicts, the filter table and the cold-start set; a rerun resumes', async () => {
    const out = join(dir, 'clean');
    const log = console.log;
    console.log = () => {};
    try {
      assert.equal(await command.run(args(out)), 0);
      assert.equal(await command.run(args(out)), 0);
    } finally {
      console.log = log;
    }
    for (const f of ['samples.jsonl', 'verdicts.jsonl', 'filter-table.md', 'filter-table.json', 'coldstart.jsonl', 'synthesis-summary.json']) assert.ok(existsSync(join(out, f)), f);
    const summary = readJson<{ selected: number; resumed: number; table: { kept: number; total: number } }>(join(out, 'synthesis-summary.json'));
    assert.equal(summary.selected, 12);
    assert.equal(summary.resumed, 12);
    assert.equal(summary.table.kept, 12);
    assert.equal(readJsonl(join(out, 'samples.jsonl')).length, 12);
  });

  it('drops simulated teacher errors and counts them', async () => {
    const out = join(dir, 'noisy');
    const log = console.log;
    console.log = () => {};
    try {
      assert.equal(await command.run(args(out, ['--simulated-errors', '0.5'])), 0);
    } finally {
      console.log = log;
    }
    const t = readJson<{ kept: number; total: number; rows: { dropped: number }[] }>(join(out, 'filter-table.json'));
    assert.equal(t.total, 12);
    assert.ok(t.kept < 12 && t.kept > 0, `kept ${t.kept}`);
    assert.equal(t.rows.reduce((a, r) => a + r.dropped, 0), 12 - t.kept);
  });

  it('rejects a bad error rate', async () => {
    await assert.rejects(command.run(args(join(dir, 'x'), ['--simulated-errors', '2'])), UsageError);
  });
});
