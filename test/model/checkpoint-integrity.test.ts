/**
 * Checkpoint integrity: bytes changed on disk after a checkpoint was written (header intact) are an
 * error naming the file and the tensor, never a silent load with other weights; non-finite values,
 * trailing bytes and truncation too; a checkpoint written before checksums loads with a warning.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { CHECKPOINT_FILE, loadModel, readCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { tinyCheckpoint } from '../serve/fixtures.js';

/** The byte offset of a tensor's data in a checkpoint file, from its header. */
function tensorOffset(buf: Buffer, name: string): number {
  const n = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + n)) as { tensors: { name: string; shape: number[] }[] };
  let off = 12 + n;
  for (const t of header.tensors) {
    if (t.name === name) return off;
    off += 4 * t.shape.reduce((a, b) => a * b, 1);
  }
  throw new Error(`no tensor ${name}`);
}

describe('checkpoint integrity', function () {
  this.timeout(30000);
  let dir: string;
  let ck: string;
  let path: string;
  let good: Buffer;
  before(async () => {
    await initBackend({ log: null });
    dir = mkdtempSync(join(tmpdir(), 'dmx-ck-integrity-'));
    ck = tinyCheckpoint(join(dir, 'tiny'));
    path = join(ck, CHECKPOINT_FILE);
    good = readFileSync(path);
  });
  afterEach(() => writeFileSync(path, good));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a fresh checkpoint carries a checksum per tensor and loads verified', () => {
    const c = readCheckpoint(ck);
    assert.equal(c.integrity, 'verified');
    assert.ok(c.header.tensors.every((t) => /^[0-9a-f]{64}$/.test(t.sha256 ?? '')));
  });

  it('overwritten tensor bytes (header intact) are an error naming the file and the tensor', () => {
    const bad = Buffer.from(good);
    const off = tensorOffset(bad, 'param/head.w');
    bad.writeFloatLE(bad.readFloatLE(off + 40) + 0.25, off + 40); // a plausible, finite weight
    writeFileSync(path, bad);
    assert.throws(() => loadModel(ck), (e: Error) => e.message.includes(path) && /tensor param\/head\.w is damaged/.test(e.message));
  });

  it('a non-finite value is refused on load (old file without checksums) and on save', () => {
    const n = good.readUInt32LE(8);
    const header = JSON.parse(good.toString('utf8', 12, 12 + n));
    for (const t of header.tensors) delete t.sha256;
    const head = Buffer.from(JSON.stringify(header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    const old = Buffer.concat([good.subarray(0, 8), len, head, good.subarray(12 + n)]);
    writeFileSync(path, old);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => warnings.push(m);
    try {
      const c = readCheckpoint(ck);
      assert.equal(c.integrity, 'unchecked', 'an old checkpoint loads, unverified');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /written before checkpoints carried checksums/);
      const off = tensorOffset(old, 'param/head.w');
      old.writeFloatLE(NaN, off + 8);
      writeFileSync(path, old);
      assert.throws(() => readCheckpoint(ck), /tensor param\/head\.w holds a non-finite value \(NaN at index 2\)/);
    } finally {
      console.warn = warn;
    }
    writeFileSync(path, good);
    const { model, tokenizer } = loadModel(ck);
    try {
      model.params.get('head.w')!.assign(tf.fill(model.params.get('head.w')!.shape, Infinity));
      assert.throws(() => saveCheckpoint(ck, { model, tokenizer }), /refusing to write .*tensor param\/head\.w holds a non-finite value/);
      assert.deepEqual(readFileSync(path), good, 'the previous checkpoint is kept');
    } finally {
      model.dispose();
    }
  });

  it('trailing bytes and truncation are errors', () => {
    writeFileSync(path, Buffer.concat([good, Buffer.alloc(8)]));
    assert.throws(() => readCheckpoint(ck), /8 bytes after the last tensor/);
    writeFileSync(path, good.subarray(0, good.length - 4));
    assert.throws(() => readCheckpoint(ck), /truncated at tensor/);
  });
});
