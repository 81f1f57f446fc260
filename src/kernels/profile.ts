/**
 * Per-kernel time breakdown: wrap every kernel registered for a backend so each call adds its
 * wall time to a per-kernel-name total. The wasm and cpu backends run kernels synchronously, so
 * the wall time of the kernel function is the kernel's time. Unwrap with the returned `stop`.
 * Cheap enough (one performance.now pair per kernel call) to leave on for a whole bench run.
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

export interface KernelProfiler {
  /** Totals so far, largest first. */
  report(): KernelTime[];
  reset(): void;
  /** Put the unwrapped kernels back and return the totals. */
  stop(): KernelTime[];
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

export function profileKernels(backendName: string = tf.getBackend()): KernelProfiler {
  const totals = new Map<string, { ms: number; calls: number }>();
  const originals = tf.getKernelsForBackend(backendName);
  // Nested kernel calls (a kernel calling another through the engine) would be counted twice;
  // only the outermost call is timed.
  let depth = 0;
  for (const k of originals) {
    const inner = k.kernelFunc;
    const wrapped = (args: KernelArgs) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        const e = totals.get(k.kernelName) ?? { ms: 0, calls: 0 };
        e.ms += performance.now() - t0;
        e.calls++;
        totals.set(k.kernelName, e);
      }
    };
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({ ...k, setupFunc: undefined, kernelFunc: wrapped as tf.KernelFunc });
  }
  const report = () =>
    [...totals.entries()].map(([kernel, v]) => ({ kernel, ms: v.ms, calls: v.calls })).sort((a, b) => b.ms - a.ms);
  return {
    report,
    reset: () => totals.clear(),
    stop: () => {
      for (const k of originals) {
        tf.unregisterKernel(k.kernelName, backendName);
        tf.registerKernel(k);
      }
      return report();
    },
  };
}

/** A compact text table of the top kernels with their share of the total. */
export function formatKernelTimes(times: KernelTime[], top = 12): string {
  const total = times.reduce((s, t) => s + t.ms, 0) || 1;
  const rows = times.slice(0, top).map(
    (t) => `  ${t.kernel.padEnd(22)}${t.ms.toFixed(1).padStart(10)} ms ${((100 * t.ms) / total).toFixed(1).padStart(5)}%  ${String(t.calls).padStart(6)} calls`,
  );
  const rest = times.slice(top).reduce((s, t) => s + t.ms, 0);
  if (rest > 0) rows.push(`  ${'(others)'.padEnd(22)}${rest.toFixed(1).padStart(10)} ms ${((100 * rest) / total).toFixed(1).padStart(5)}%`);
  return rows.join('\n');
}
