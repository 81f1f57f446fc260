/**
 * Running GRPO for many steps: progress, the append-only step log (`steps.jsonl`), atomic
 * checkpoints (policy weights, Adam moments, random streams, data cursor) and exact resume.
 *
 * Checkpoint layout (a directory, written to `NAME.tmp-…` then renamed into place):
 *   state.json     {step, trainer state, tensor manifest: name, shape, offset}
 *   tensors.bin    every tensor as float32, in manifest order
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendJsonl, atomicWrite, readJsonl } from '../util/fsx.js';
import { Progress } from '../util/progress.js';
import type { GrpoState, GrpoStepLog, GrpoTrainer } from './grpo.js';

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

interface CheckpointState {
  kind: 'deepmedix-grpo-checkpoint';
  version: 1;
  step: number;
  trainer: GrpoState;
  params: TensorEntry[];
  optimizer: TensorEntry[];
}

/** Save the policy weights (by name), the optimizer state and the trainer state to `dir`, atomically. */
export async function saveGrpoCheckpoint(dir: string, trainer: GrpoTrainer, params: ReadonlyMap<string, tf.Variable>): Promise<void> {
  const optWeights = await trainer.optimizer.getWeights();
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (list: TensorEntry[], name: string, t: tf.Tensor) => {
    const data = t.dataSync() as Float32Array;
    list.push({ name, shape: t.shape, offset, size: data.length });
    chunks.push(Float32Array.from(data));
    offset += data.length;
  };
  for (const [name, v] of params) add(entries, name, v);
  const optEntries: TensorEntry[] = [];
  for (const w of optWeights) add(optEntries, w.name, w.tensor);
  const all = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const state: CheckpointState = { kind: 'deepmedix-grpo-checkpoint', version: 1, step: trainer.step, trainer: trainer.getState(), params: entries, optimizer: optEntries };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'tensors.bin'), new Uint8Array(all.buffer));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(state));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  if (existsSync(old)) rmSync(old, { recursive: true, force: true });
}

/** Load a checkpoint written by `saveGrpoCheckpoint` into the policy weights, optimizer and trainer. */
export async function loadGrpoCheckpoint(dir: string, trainer: GrpoTrainer, params: ReadonlyMap<string, tf.Variable>): Promise<number> {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new Error(`${dir}: not a GRPO checkpoint (no state.json)`);
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
  if (state.kind !== 'deepmedix-grpo-checkpoint') throw new Error(`${statePath}: kind '${state.kind}' is not a GRPO checkpoint`);
  const buf = readFileSync(join(dir, 'tensors.bin'));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const slice = (e: TensorEntry) => all.subarray(e.offset, e.offset + e.size);
  for (const e of state.params) {
    const v = params.get(e.name);
    if (!v) throw new Error(`${statePath}: parameter '${e.name}' is not in the model`);
    if (v.shape.join('x') !== e.shape.join('x')) throw new Error(`${statePath}: parameter '${e.name}' has shape [${e.shape}], the model's is [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(slice(e), e.shape)));
  }
  if (state.params.length !== params.size) throw new Error(`${statePath}: ${state.params.length} parameters saved, the model has ${params.size}`);
  const named = state.optimizer.map((e) => ({ name: e.name, tensor: tf.tensor(slice(e), e.shape) }));
  await trainer.optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  trainer.setState(state.trainer);
  return state.step;
}

export interface RunGrpoOptions {
  /** Output directory: steps.jsonl, checkpoint/ (latest). */
  out: string;
  /** Total steps to reach (a resumed run continues up to this). */
  steps: number;
  /** Checkpoint every this many steps (0: only at the end). */
  checkpointEvery?: number;
  /** Resume from `out/checkpoint` when present (default true). */
  resume?: boolean;
  /** Called after each step (live curves in a notebook). */
  onStep?: (log: GrpoStepLog) => void;
  quiet?: boolean;
}

/** Run (or resume) GRPO to `steps` steps, logging each step and checkpointing atomically. */
export async function runGrpo(trainer: GrpoTrainer, params: ReadonlyMap<string, tf.Variable>, opts: RunGrpoOptions): Promise<GrpoStepLog[]> {
  mkdirSync(opts.out, { recursive: true });
  const ckpt = join(opts.out, 'checkpoint');
  const logPath = join(opts.out, 'steps.jsonl');
  let logs: GrpoStepLog[] = [];
  if ((opts.resume ?? true) && existsSync(join(ckpt, 'state.json'))) {
    const step = await loadGrpoCheckpoint(ckpt, trainer, params);
    // Keep the log up to the checkpoint; steps after it are redone.
    logs = existsSync(logPath) ? readJsonl<GrpoStepLog>(logPath, { repairTornTail: true }).filter((l) => l.step <= step) : [];
    atomicWrite(logPath, logs.map((l) => JSON.stringify(l) + '\n').join(''));
  } else if (existsSync(logPath)) {
    atomicWrite(logPath, '');
  }
  const progress = new Progress({ label: 'GRPO', total: opts.steps, quiet: opts.quiet });
  progress.tick(trainer.step);
  const every = opts.checkpointEvery ?? 0;
  while (trainer.step < opts.steps) {
    const log = trainer.trainStep();
    appendJsonl(logPath, log);
    logs.push(log);
    opts.onStep?.(log);
    progress.tick(1, `r ${log.reward.total.mean.toFixed(3)} kl ${log.kl === null ? '-' : log.kl.toFixed(4)} clip ${log.clipFraction.toFixed(3)}`);
    if (every > 0 && trainer.step % every === 0 && trainer.step < opts.steps) await saveGrpoCheckpoint(ckpt, trainer, params);
  }
  await saveGrpoCheckpoint(ckpt, trainer, params);
  progress.finish();
  return logs;
}
