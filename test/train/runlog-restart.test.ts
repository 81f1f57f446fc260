/**
 * Logs after a restart: a training run killed before its first checkpoint restarts with a fresh
 * `run.jsonl` (no repeated steps); a resumed run keeps the rows up to the checkpoint's step; a torn
 * last line is repaired before anything is appended, so readers (RunLog.read, notebook 03) always
 * read what the writers wrote.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.js';
import { resolveConfig } from '../../src/config.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { RunLog, type RunLogRow } from '../../src/train/runlog.js';
import { trainSft } from '../../src/train/sft.js';
import { appendJsonl, readJsonl, repairTornTail } from '../../src/util/fsx.js';
import { tinyDataset } from './fixtures.js';

const step = (n: number): RunLogRow => ({ kind: 'step', stage: 'sft', step: n, epoch: 0, loss: 1, lr: 1e-3, gradNorm: 1, tokensPerSec: 1, seconds: n });

describe('run logs after a restart', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'dmx-runlog-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('appending after a torn last line starts a new line: a strict reader reads every row', () => {
    const p = join(dir, 'torn.jsonl');
    writeFileSync(p, `${JSON.stringify(step(1))}\n${JSON.stringify(step(2)).slice(0, 25)}`);
    appendJsonl(p, step(2));
    appendJsonl(p, step(3));
    assert.deepEqual(readJsonl<RunLogRow>(p).map((r) => r.step), [1, 2, 3]);
    writeFileSync(p, 'no newline at all');
    assert.equal(repairTornTail(p), 'no newline at all'.length);
    assert.equal(readFileSync(p, 'utf8'), '');
  });

  it('a run from scratch starts its log from scratch; a resumed one keeps the rows up to its step', () => {
    const p = join(dir, 'run.jsonl');
    writeFileSync(p, [1, 2, 3].map((n) => JSON.stringify(step(n))).join('\n') + '\n{"kind":"st');
    new RunLog(p, 2).append(step(3));
    assert.deepEqual(RunLog.read(p).map((r) => r.step), [1, 2, 3]);
    appendFileSync(p, '{"kind":"step","st');
    const fresh = new RunLog(p);
    fresh.append(step(1));
    assert.deepEqual(RunLog.read(p).map((r) => r.step), [1]);
  });

  it('SFT killed before its first checkpoint restarts with one step row per step', async () => {
    await initBackend({ log: null });
    const data: { root: string; records: InstructionRecord[] } = await tinyDataset(4);
    try {
      const out = join(dir, 'sft');
      const config = resolveConfig('smoke', { 'sft.batchSize': 4, 'sft.epochs': 1, 'sft.warmupSteps': 1, 'sft.valItems': 2, 'sft.evalSamples': 0, 'sft.saveEvery': 0 });
      // What a run killed mid-epoch leaves: no checkpoint, some step rows, a torn last line.
      const leftover = [{ kind: 'info', stage: 'sft', step: 0, message: 'start' }, step(1), step(2)].map((r) => JSON.stringify(r)).join('\n');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'run.jsonl'), `${leftover}\n{"kind":"step","stage":"sft","st`);
      const r = await trainSft({ config, out, train: data.records, val: data.records.slice(0, 2), imageRoot: data.root, resume: true, quiet: true });
      r.model.dispose();
      const rows = RunLog.read(join(out, 'run.jsonl'));
      const steps = rows.filter((x) => x.kind === 'step').map((x) => x.step);
      assert.deepEqual(steps, [1, 2], 'each step once, in order');
      assert.equal(rows.filter((x) => x.kind === 'info' && x.message === 'start').length, 1);
      assert.ok(readFileSync(join(out, 'run.jsonl'), 'utf8').endsWith('\n'));
    } finally {
      rmSync(data.root, { recursive: true, force: true });
    }
  });
});
