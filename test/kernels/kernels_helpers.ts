/** Shared pieces of the kernel equivalence tests: seeded data and running one function per backend. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';

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
