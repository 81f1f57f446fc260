/**
 * Checkpoints: one file `checkpoint.bin` in a directory, written atomically (temp file, then
 * rename), holding the architecture, the tokenizer, the resolved config, the trainer state
 * (step, epoch, RNG state, …), the weights and the optimizer moments. Readable copies of the
 * tokenizer and config are written beside it; the binary file is the authority.
 *
 * Layout: 8-byte magic `DMXCKPT1`, uint32 LE header length, UTF-8 JSON header, then float32 LE
 * tensors in header order.
 *
 * Integrity: the header lists each tensor's SHA-256 (written in the same atomic write as the
 * tensors). Loading checks the file's length, every checksum and that every value is finite, and
 * names the file and tensor when one fails, so bytes changed on disk never load silently. A
 * checkpoint written before checksums existed loads after the length and finite-value checks, with
 * a warning that its bytes could not be verified.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config.js';
import { Tokenizer, type TokenizerJson } from '../text/tokenizer.js';
import { atomicWrite, writeJson } from '../util/fsx.js';
import { normalizeSpec, paramShapes, type ModelSpec } from './spec.js';
import { VisionLanguageModel } from './vlm.js';

const MAGIC = 'DMXCKPT1';
export const CHECKPOINT_FILE = 'checkpoint.bin';

export interface CheckpointHeader {
  format: typeof MAGIC;
  spec: ModelSpec;
  tokenizer: TokenizerJson;
  config: Config | null;
  /** Trainer state: free-form JSON (step, epoch, RNG state, optimizer step, stage, …). */
  state: Record<string, unknown>;
  /** Per tensor: its name, shape and the SHA-256 (hex) of its bytes (absent in checkpoints written before checksums). */
  tensors: { name: string; shape: number[]; sha256?: string }[];
}

export interface Checkpoint {
  dir: string;
  header: CheckpointHeader;
  /** Every stored tensor's values by name: `param/NAME`, `adam.m/NAME`, `adam.v/NAME`. */
  values: Map<string, Float32Array>;
  /** 'verified': every tensor's checksum matched; 'unchecked': an old checkpoint without checksums. */
  integrity: 'verified' | 'unchecked';
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The first non-finite value of a tensor, or null. */
function firstNonFinite(data: Float32Array): { index: number; value: number } | null {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return { index: i, value: data[i] };
  return null;
}

const warnedUnchecked = new Set<string>();

export interface SaveCheckpointOptions {
  model: VisionLanguageModel;
  tokenizer: Tokenizer;
  config?: Config | null;
  state?: Record<string, unknown>;
  /** Extra tensors to store (e.g. optimizer moments), by name. */
  extra?: { name: string; tensor: tf.Tensor }[];
}

/** Write a checkpoint into `dir` (atomically replacing the previous one). */
export function saveCheckpoint(dir: string, o: SaveCheckpointOptions): string {
  const entries = [...[...o.model.params].map(([name, t]) => ({ name: `param/${name}`, tensor: t as tf.Tensor })), ...(o.extra ?? [])];
  const header: CheckpointHeader = {
    format: MAGIC,
    spec: o.model.spec,
    tokenizer: o.tokenizer.toJSON(),
    config: o.config ?? null,
    state: o.state ?? {},
    tensors: entries.map((e) => ({ name: e.name, shape: e.tensor.shape })),
  };
  const path = join(dir, CHECKPOINT_FILE);
  const datas = entries.map((e, i) => {
    const data = e.tensor.dataSync() as Float32Array;
    if (!(data instanceof Float32Array)) throw new Error(`checkpoint: tensor ${e.name} is not float32`);
    const bad = firstNonFinite(data);
    if (bad) throw new Error(`refusing to write ${path}: tensor ${e.name} holds a non-finite value (${bad.value} at index ${bad.index}); the previous checkpoint is kept`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header.tensors[i].sha256 = sha256(bytes);
    return bytes;
  });
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const total = datas.reduce((a, d) => a + d.byteLength, 0);
  const buf = Buffer.alloc(12 + head.length + total);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(head.length, 8);
  head.copy(buf, 12);
  let off = 12 + head.length;
  for (const d of datas) {
    buf.set(d, off);
    off += d.byteLength;
  }
  atomicWrite(path, buf);
  writeJson(join(dir, 'tokenizer.json'), header.tokenizer);
  writeJson(join(dir, 'model.json'), { spec: header.spec, state: header.state });
  return path;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/** A training run must not start over a checkpoint it was not asked to resume (a usage error: the CLI prints it without a stack). */
export function refuseOverwrite(dir: string, resume: boolean): void {
  if (!resume && hasCheckpoint(dir)) throw new Error(`${dir} already holds a checkpoint: resume it, or choose another output directory`);
}

/** Read a checkpoint directory; a missing or damaged file is an error naming it. */
export function readCheckpoint(dir: string): Checkpoint {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new Error(`no checkpoint in ${dir} (expected ${path})`);
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${path}: not a DeepMedix checkpoint (bad magic)`);
  const n = buf.readUInt32LE(8);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + n)) as CheckpointHeader;
  } catch (e) {
    throw new Error(`${path}: damaged header (${(e as Error).message})`);
  }
  if (!Array.isArray(header?.tensors)) throw new Error(`${path}: damaged header (no tensor list)`);
  const values = new Map<string, Float32Array>();
  let off = 12 + n;
  let unchecked = 0;
  for (const t of header.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (off + 4 * size > buf.length) throw new Error(`${path}: truncated at tensor ${t.name}`);
    const bytes = buf.subarray(off, off + 4 * size);
    if (t.sha256 === undefined) unchecked++;
    else if (sha256(bytes) !== t.sha256) throw new Error(`${path}: tensor ${t.name} is damaged (its bytes do not match the checksum written with them); restore the file or retrain`);
    const arr = new Float32Array(size);
    Buffer.from(arr.buffer).set(bytes);
    const bad = firstNonFinite(arr);
    if (bad) throw new Error(`${path}: tensor ${t.name} holds a non-finite value (${bad.value} at index ${bad.index})`);
    values.set(t.name, arr);
    off += 4 * size;
  }
  if (off !== buf.length) throw new Error(`${path}: ${buf.length - off} bytes after the last tensor (the file is damaged or not what its header says)`);
  if (unchecked && !warnedUnchecked.has(path)) {
    warnedUnchecked.add(path);
    console.warn(`warning: ${path} was written before checkpoints carried checksums: ${unchecked} tensors loaded unverified (finite-value check only). Save it again to add checksums.`);
  }
  return { dir, header, values, integrity: unchecked ? 'unchecked' : 'verified' };
}

/** The fields on which two architectures differ (empty when identical). */
export function specDiff(a: ModelSpec, b: ModelSpec): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ModelSpec>;
  return [...keys].filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k]} vs ${b[k]}`);
}

/** Copy a checkpoint's weights into a model; a different architecture is a clear error. */
export function loadWeightsInto(model: VisionLanguageModel, ck: Checkpoint): void {
  const diff = specDiff(normalizeSpec(ck.header.spec), model.spec);
  if (diff.length) throw new Error(`checkpoint ${ck.dir} holds a different architecture than the model (checkpoint vs model: ${diff.join('; ')})`);
  for (const p of paramShapes(model.spec)) {
    const arr = ck.values.get(`param/${p.name}`);
    if (!arr) throw new Error(`checkpoint ${ck.dir}: missing parameter ${p.name}`);
    tf.tidy(() => model.params.get(p.name)!.assign(tf.tensor(arr, p.shape)));
  }
}

/** Load model + tokenizer (+ config and state) from a checkpoint directory. */
export function loadModel(dir: string): { model: VisionLanguageModel; tokenizer: Tokenizer; checkpoint: Checkpoint } {
  const checkpoint = readCheckpoint(dir);
  const tokenizer = Tokenizer.fromJSON(checkpoint.header.tokenizer);
  if (tokenizer.vocabSize !== checkpoint.header.spec.vocabSize) {
    throw new Error(`checkpoint ${dir}: tokenizer has ${tokenizer.vocabSize} tokens but the model ${checkpoint.header.spec.vocabSize}`);
  }
  const model = new VisionLanguageModel(checkpoint.header.spec, 0);
  loadWeightsInto(model, checkpoint);
  return { model, tokenizer, checkpoint };
}
