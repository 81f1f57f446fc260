/**
 * Per-kernel time breakdown: wrap every kernel registered for a backend so each call adds its
 * wall time and the process's CPU time (all threads) to per-kernel-name totals. The wasm and cpu
 * backends run kernels synchronously, so the kernel function's time is the kernel's time. On a
 * shared machine the CPU time is the steadier measure (wall time includes waiting for a core).
 * Unwrap with the returned `stop`. Costs about a microsecond per kernel call.
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  /** Wall milliseconds. */
  ms: number;
  /** CPU milliseconds of the whole process (all threads) during the kernel's calls. */
  cpuMs: number;
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
  const totals = new Map<string, { ms: number; cpuMs: number; calls: number }>();
  const originals = tf.getKernelsForBackend(backendName);
  // Nested kernel calls (a kernel calling another through the engine) would be counted twice;
  // only the outermost call is timed.
  let depth = 0;
  for (const k of originals) {
    const inner = k.kernelFunc;
    const wrapped = (args: KernelArgs) => {
      if (depth > 0) return inner(args);
      depth++;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        const c = process.cpuUsage(c0);
        const e = totals.get(k.kernelName) ?? { ms: 0, cpuMs: 0, calls: 0 };
        e.ms += performance.now() - t0;
        e.cpuMs += (c.user + c.system) / 1000;
        e.calls++;
        totals.set(k.kernelName, e);
      }
    };
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({ ...k, setupFunc: undefined, kernelFunc: wrapped as tf.KernelFunc });
  }
  const report = () =>
    [...totals.entries()].map(([kernel, v]) => ({ kernel, ms: v.ms, cpuMs: v.cpuMs, calls: v.calls })).sort((a, b) => b.cpuMs - a.cpuMs);
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

/** A compact text table of the top kernels (by CPU time) with their share of the total. */
export function formatKernelTimes(times: KernelTime[], top = 12): string {
  const total = times.reduce((s, t) => s + t.cpuMs, 0) || 1;
  const row = (name: string, cpu: number, wall: number, calls: string) =>
    `  ${name.padEnd(22)}${cpu.toFixed(1).padStart(9)} cpu ms ${((100 * cpu) / total).toFixed(1).padStart(5)}% ${wall.toFixed(1).padStart(9)} wall ms ${calls.padStart(6)}`;
  const rows = [`  ${'kernel'.padEnd(22)}${'cpu ms'.padStart(16)} ${'share'.padStart(5)} ${'wall ms'.padStart(17)} ${'calls'.padStart(6)}`];
  for (const t of times.slice(0, top)) rows.push(row(t.kernel, t.cpuMs, t.ms, String(t.calls)));
  const rest = times.slice(top);
  if (rest.length) rows.push(row('(others)', rest.reduce((s, t) => s + t.cpuMs, 0), rest.reduce((s, t) => s + t.ms, 0), ''));
  return rows.join('\n');
}
