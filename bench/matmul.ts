/**
 * Matrix-product GFLOPS by shape and transpose flags: tfjs wasm with its stock kernels, tfjs wasm
 * with the workbench's kernels (src/kernels: OpenBLAS addon), tfjs cpu, and PyTorch (Debian
 * python3-torch, bench/peers/torch_matmul.py) at the same thread count, side by side.
 *
 *   npx tsx bench/matmul.ts [--threads 2] [--min-ms 150] [--no-cpu] [--no-torch]
 *
 * Shapes are the default model's products (batch 16 x 128 tokens, d 128, 4 heads, FF 512,
 * vocab 1400: forward, both gradients, attention, KV-cached generation at G = 8) plus a square
 * 512^3 product for the machine's peak. Timings on a shared machine are noisy: compare ratios
 * within one run, not across runs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from '../src/commands/args.js';
import { installFastKernels, restoreStockKernels } from '../src/kernels/index.js';
import { nativeThreads } from '../src/kernels/native.js';
import { planMatMul } from '../src/kernels/matmul-plan.js';

interface Case {
  name: string;
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

function c(name: string, a: number[], b: number[], tA = false, tB = false): Case {
  return { name, a, b, tA, tB };
}

const CASES: Case[] = [
  c('square 512 (peak)', [512, 512], [512, 512]),
  c('mlp up  x·W', [2048, 128], [128, 512]),
  c('mlp up  dY·Wᵀ', [2048, 512], [128, 512], false, true),
  c('mlp up  Xᵀ·dY', [2048, 128], [2048, 512], true, false),
  c('mlp up  Aᵀ·Bᵀ', [128, 2048], [512, 128], true, true),
  c('qkv     x·W', [2048, 128], [128, 384]),
  c('logits  x·W', [2048, 128], [128, 1400]),
  c('logits  dY·Wᵀ', [2048, 1400], [128, 1400], false, true),
  c('logits  Xᵀ·dY', [2048, 128], [2048, 1400], true, false),
  c('attn    Q·Kᵀ', [64, 128, 32], [64, 128, 32], false, true),
  c('attn    P·V', [64, 128, 128], [64, 128, 32]),
  c('attn    Pᵀ·dO', [64, 128, 128], [64, 128, 32], true, false),
  c('attn    bcast', [1, 128, 32], [64, 32, 128]),
  c('gen     x·W (G=8)', [8, 128], [128, 1400]),
  c('gen     q·Kᵀ cache', [32, 1, 32], [32, 128, 32], false, true),
];

function flops(x: Case): number {
  const p = planMatMul(x.a, x.b, x.tA, x.tB);
  if (!p) throw new Error(`bad case ${x.name}`);
  return 2 * p.batch * p.m * p.n * p.k;
}

interface Rate {
  /** GFLOPS per wall-clock second. */
  wall: number;
  /** GFLOPS per CPU second of the whole process (all threads): steadier on a shared machine. */
  cpu: number;
}

function timeTfjs(x: Case, minMs: number): Rate {
  const a = tf.randomUniform(x.a, -0.5, 0.5);
  const b = tf.randomUniform(x.b, -0.5, 0.5);
  tf.matMul(a, b, x.tA, x.tB).dispose(); // warm-up
  let reps = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let el = 0;
  do {
    // wasm and cpu kernels run synchronously: the product is done when matMul returns (reading
    // it back with dataSync would add a copy that no training step pays).
    tf.matMul(a, b, x.tA, x.tB).dispose();
    reps++;
    el = performance.now() - t0;
  } while (el < minMs || reps < 2);
  const c = process.cpuUsage(c0);
  a.dispose();
  b.dispose();
  const cpuS = Math.max((c.user + c.system) / 1e6, 1e-9);
  return { wall: (flops(x) * reps) / (el / 1000) / 1e9, cpu: (flops(x) * reps) / cpuS / 1e9 };
}

function torchGflops(cases: Case[], threads: number, minMs: number): Rate[] | string {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'torch_matmul.py');
  const r = spawnSync('/usr/bin/python3', [script, String(threads), String(minMs / 1000)], {
    input: JSON.stringify(cases.map(({ a, b, tA, tB }) => ({ a, b, tA, tB }))),
    encoding: 'utf8',
    // Passive OpenMP waiting: spinning workers cost torch up to 50x on a shared, oversubscribed
    // machine (measured: KV-cached generation 43 -> 2100 tokens/s). Our side likewise keeps
    // OpenBLAS's spin short (OPENBLAS_THREAD_TIMEOUT).
    env: { OMP_WAIT_POLICY: 'PASSIVE', ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) return `torch peer failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  const out = JSON.parse(r.stdout) as { wall: number[]; cpu: number[] };
  return out.wall.map((w, i) => ({ wall: w, cpu: out.cpu[i] }));
}

function fmt(v: number | null | undefined, w = 9): string {
  return (v == null || !Number.isFinite(v) ? '—' : v.toFixed(v < 10 ? 2 : 1)).padStart(w);
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), { values: ['threads', 'min-ms'], booleans: ['no-cpu', 'no-torch'] });
  const threads = flags.threads ? Number(flags.threads) : nativeThreads();
  process.env.DEEPMEDIX_THREADS = String(threads);
  const minMs = flags['min-ms'] ? Number(flags['min-ms']) : 150;

  await tf.setBackend('wasm');
  const cols: Record<string, (Rate | null)[]> = {};
  cols['wasm stock'] = CASES.map((x) => timeTfjs(x, minMs));
  const installed = installFastKernels('wasm');
  const native = installed.some((s) => s.startsWith('BatchMatMul'));
  cols['wasm+ours'] = native ? CASES.map((x) => timeTfjs(x, minMs)) : CASES.map(() => null);
  restoreStockKernels();
  if (!flags['no-cpu']) {
    await tf.setBackend('cpu');
    cols['tfjs cpu'] = CASES.map((x) => (flops(x) > 2e9 ? null : timeTfjs(x, Math.min(minMs, 100))));
  }
  let torchNote = '';
  if (!flags['no-torch']) {
    const t = torchGflops(CASES, threads, minMs);
    if (typeof t === 'string') torchNote = t;
    else cols['torch'] = t;
  }

  const names = Object.keys(cols);
  console.log(`matmul GFLOPS, ${threads} thread(s) for ours and torch (tfjs stock wasm/cpu are single-threaded); kernels: ${installed.join('; ')}`);
  if (torchNote) console.log(torchNote);
  for (const kind of ['wall', 'cpu'] as const) {
    console.log(kind === 'wall' ? '\nGFLOPS per wall-clock second:' : '\nGFLOPS per CPU second (all threads; the steadier view on a shared machine):');
    console.log(`${'case'.padEnd(20)}${'shape'.padEnd(30)}${names.map((n) => n.padStart(11)).join('')}${'ours/stock'.padStart(11)}${'ours/torch'.padStart(11)}`);
    CASES.forEach((x, i) => {
      const shape = `${JSON.stringify(x.a)}${x.tA ? 'ᵀ' : ''}·${JSON.stringify(x.b)}${x.tB ? 'ᵀ' : ''}`;
      const v = (n: string) => cols[n]?.[i]?.[kind] ?? null;
      const ours = v('wasm+ours');
      const stock = v('wasm stock');
      const torch = v('torch');
      console.log(
        `${x.name.padEnd(20)}${shape.padEnd(30)}${names.map((n) => fmt(v(n), 11)).join('')}` +
          `${fmt(ours != null && stock ? ours / stock : null, 10)}×${fmt(ours != null && torch ? ours / torch : null, 10)}×`,
      );
    });
    const peak = Math.max(...names.flatMap((n) => cols[n].map((r) => r?.[kind] ?? 0)));
    console.log(`best seen (the machine's matmul peak at ${threads} thread(s), as measured here, ${kind}): ${peak.toFixed(1)} GFLOPS`);
  }
}

await main();
