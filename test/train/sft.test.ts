import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { resolveConfig } from '../../src/config.js';
import { loadWeightsInto, readCheckpoint } from '../../src/model/checkpoint.js';
import { VisionLanguageModel } from '../../src/model/vlm.js';
import { RunLog, type StepRow } from '../../src/train/runlog.js';
import { NonFiniteLossError, trainSft } from '../../src/train/sft.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { tinyDataset } from './fixtures.js';

const smoke = (o: Record<string, unknown> = {}) =>
  resolveConfig('smoke', { 'sft.batchSize': 4, 'sft.epochs': 2, 'sft.warmupSteps': 2, 'sft.lr': 3e-3, 'sft.valItems': 4, 'sft.evalSamples': 1, ...o });

function weights(m: VisionLanguageModel): Float32Array[] {
  return [...m.params.values()].map((v) => v.dataSync() as Float32Array);
}

describe('stage-1 SFT trainer (smoke profile)', function () {
  this.timeout(120_000);
  let data: { root: string; records: InstructionRecord[] };
  const dirs: string[] = [];
  const outDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'dmx-out-'));
    dirs.push(d);
    return d;
  };
  before(async () => {
    await initBackend({ log: null });
    data = await tinyDataset(8); // 16 records: 4 steps per epoch at batch 4
  });
  after(() => {
    for (const d of [...dirs, data.root]) rmSync(d, { recursive: true, force: true });
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted run', async () => {
    const config = smoke();
    const common = { config, train: data.records, val: data.records.slice(0, 4), imageRoot: data.root, quiet: true };
    const a = await trainSft({ ...common, out: outDir() });
    assert.equal(a.steps, 8);
    const outB = outDir();
    const b1 = await trainSft({ ...common, out: outB, stopAfterSteps: 3 });
    assert.equal(b1.complete, false);
    b1.model.dispose();
    assert.equal((readCheckpoint(outB).header.state as { step: number }).step, 3);
    await assert.rejects(trainSft({ ...common, out: outB }), /already holds a checkpoint/);
    const b = await trainSft({ ...common, out: outB, resume: true });
    assert.equal(b.steps, 8);
    const wa = weights(a.model);
    const wb = weights(b.model);
    wa.forEach((x, i) => assert.deepEqual(wb[i], x, `parameter ${i} differs`));
    const lossA = RunLog.read(a.logPath).filter((r): r is StepRow => r.kind === 'step').map((r) => r.loss);
    const lossB = RunLog.read(b.logPath).filter((r): r is StepRow => r.kind === 'step').map((r) => r.loss);
    assert.deepEqual(lossB, lossA, 'the resumed log reads as one run');
    a.model.dispose();
    b.model.dispose();
  });

  it('keeps the tensor count flat across steps and learns the task', async () => {
    const counts: number[] = [];
    const losses: number[] = [];
    const r = await trainSft({
      config: smoke({ 'sft.epochs': 10, 'sft.lr': 1e-2 }),
      out: outDir(),
      train: data.records,
      val: data.records.slice(0, 4),
      imageRoot: data.root,
      quiet: true,
      onLog: (row) => {
        if (row.kind === 'step') {
          counts.push(tf.memory().numTensors);
          losses.push(row.loss);
        }
      },
    });
    // Steps 2..40: same count (the first step builds the cached attention mask).
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `tensor counts: ${counts.join(',')}`);
    const first = losses.slice(0, 4).reduce((x, y) => x + y) / 4;
    const last = losses.slice(-4).reduce((x, y) => x + y) / 4;
    assert.ok(last < 0.5 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    r.model.dispose();
  });

  it('stops on a non-finite loss and keeps the last good checkpoint', async () => {
    const out = outDir();
    const common = { train: data.records, val: [], imageRoot: data.root, quiet: true, out };
    const r1 = await trainSft({ ...common, config: smoke({ 'sft.saveEvery': 2 }), stopAfterSteps: 2 });
    r1.model.dispose();
    // An lr no config accepts (sft.lr is checked to (0, 1]) reaches the trainer only as explicit hyper-parameters.
    const diverging = smoke({ 'sft.saveEvery': 2 });
    await assert.rejects(trainSft({ ...common, config: diverging, hyper: { ...diverging.sft, lr: 1e38 }, resume: true }), (e: unknown) => {
      assert.ok(e instanceof NonFiniteLossError, String(e));
      assert.match((e as Error).message, /non-finite .* last good checkpoint/);
      return true;
    });
    const ck = readCheckpoint(out);
    assert.equal((ck.header.state as { step: number }).step, 2);
    for (const [name, v] of ck.values) assert.ok(v.every(Number.isFinite), `${name} finite`);
  });

  it('rejects another architecture, an empty dataset and a missing image with clear errors', async () => {
    const out = outDir();
    const r = await trainSft({ config: smoke({ 'sft.epochs': 1 }), out, train: data.records.slice(0, 4), val: [], imageRoot: data.root, quiet: true });
    const other = new VisionLanguageModel({ ...r.model.spec, dModel: 64 }, 1);
    assert.throws(() => loadWeightsInto(other, readCheckpoint(out)), /different architecture .*dModel: 32 vs 64/);
    other.dispose();
    r.model.dispose();
    await assert.rejects(trainSft({ config: smoke(), out: outDir(), train: [], val: [], imageRoot: data.root, quiet: true }), /training set is empty/);
    const bad = [{ ...data.records[0], images: ['images/nope.png'] }];
    await assert.rejects(trainSft({ config: smoke(), out: outDir(), train: bad, val: [], imageRoot: data.root, quiet: true }), /image not found: .*nope\.png/);
    assert.ok(existsSync(join(out, 'run.jsonl')));
  });
});
