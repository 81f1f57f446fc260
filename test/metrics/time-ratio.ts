/**
 * Growth-rate checks without wall-clock limits: time(4n) / time(n) of a function on inputs of two
 * sizes, in CPU time of this process. Linear code gives about 4 (a little more with n log n or
 * garbage collection), quadratic code about 16. Each size is timed as the minimum of a few
 * interleaved runs (the least disturbed) after a warm-up; the check passes when one of `attempts`
 * measurements is under the bound, so a busy machine can delay it but a quadratic implementation
 * fails every attempt.
 *
 * Sizes stay below about 10^6 regular-expression matches per call: past that, V8's global
 * `String.prototype.replace` takes a one-off step (×30 from 0.4 to 1.6 million matches, then ×4
 * again per ×4), which is the engine's, not the code's, growth.
 */
import assert from 'node:assert/strict';

/** CPU time of this process (user + system, ms): other processes on a busy machine barely move it, unlike wall time. */
function cpuMs(f: () => unknown): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

export interface RatioOptions {
  /** Largest accepted time(4n) / time(n) (default 8: linear ≈ 4 passes, quadratic ≈ 16 fails). */
  bound?: number;
  repeats?: number;
  attempts?: number;
}

/** time(f(make(4n))) / time(f(make(n))), measured as described above; returns the ratios seen. */
export function assertNearLinear(name: string, f: (input: string) => unknown, make: (n: number) => string, n: number, opts: RatioOptions = {}): number[] {
  const { bound = 8, repeats = 3, attempts = 4 } = opts;
  const small = make(n);
  const large = make(4 * n);
  // warm-up (compilation, caches) on both sizes
  f(small);
  f(large);
  const ratios: number[] = [];
  for (let a = 0; a < attempts; a++) {
    // small and large interleaved, so that both see the same conditions
    let tSmall = Infinity;
    let tLarge = Infinity;
    for (let r = 0; r < repeats; r++) {
      tSmall = Math.min(tSmall, cpuMs(() => f(small)));
      tLarge = Math.min(tLarge, cpuMs(() => f(large)));
    }
    const ratio = tLarge / Math.max(tSmall, 1e-3);
    ratios.push(ratio);
    if (ratio < bound) return ratios;
  }
  assert.fail(`${name}: time(4n)/time(n) = ${ratios.map((r) => r.toFixed(1)).join(', ')} (bound ${bound}; linear ≈ 4, quadratic ≈ 16) at n = ${n}`);
}

/** `text` repeated to exactly n characters. */
export const repeatTo = (text: string) => (n: number): string => text.repeat(Math.ceil(n / text.length)).slice(0, n);
