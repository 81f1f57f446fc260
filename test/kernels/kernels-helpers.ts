/** Shared pieces of the kernel equivalence tests: seeded data and running one function per backend. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { fastKernelsInstalled, installFastKernels, restoreStockKernels } from '../../src/kernels/index.js';
import { loadBlas } from '../../src/kernels/native.js';

export function randomArray(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Run `fn` with `backend` active, returning plain arrays; no tensors are left behind. */
export async function onBackend<R>(backend: string, fn: () => R): Promise<R> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed`);
  const before = tf.memory().numTensors;
  let r!: R;
  tf.tidy(() => {
    r = fn();
  });
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return r;
}

/** Element-wise closeness with a tolerance scaled to the reference's magnitude. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${what}: worst relative error ${worst} at ${at} (got ${actual[at]}, want ${expected[at]})`);
}

/**
 * Inside a describe: run its tests on wasm with the workbench's kernels installed, and put back
 * whatever was installed before when the suite ends.
 */
export function useFastKernels(): void {
  let wasInstalled = false;
  before(async () => {
    assert.ok(await tf.setBackend('wasm'));
    wasInstalled = fastKernelsInstalled();
    installFastKernels('wasm');
  });
  after(() => {
    restoreStockKernels();
    if (wasInstalled) installFastKernels('wasm');
  });
}

/** A suite that needs the OpenBLAS addon: skipped, saying why, where it did not build. */
export function describeWithAddon(title: string, body: () => void): void {
  const blas = loadBlas();
  if (blas.addon) describe(title, body);
  else describe.skip(`${title} [skipped: ${blas.reason}]`, body);
}
