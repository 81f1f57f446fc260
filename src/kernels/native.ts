/**
 * Loading the optional OpenBLAS addon (native/*.c, built by scripts/build-native.sh).
 *
 * The addon lives in `DEEPMEDIX_NATIVE_DIR` (default node_modules/.cache/deepmedix-native). When it
 * is missing, the loader builds it once (a second or two) if a compiler, Node's headers and OpenBLAS
 * exist; `DEEPMEDIX_NATIVE=off` disables the addon, `DEEPMEDIX_NATIVE_BUILD=0` disables the build.
 * Every failure is a reason string, never an exception: callers fall back to stock kernels.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../util/paths.js';

/** The addon's JavaScript surface (see native/blas-addon.c for the argument contract). */
export interface BlasAddon {
  gemm(
    heap: ArrayBuffer,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    offsets: Float64Array,
    cOff: number,
    biasOff: number,
    act: number,
    alpha: number,
    preluOff: number,
  ): void;
  /** 4-byte elements; out dim i = in dim perm[i]; shape/perm already collapsed (rank ≤ 8). */
  transpose(heap: ArrayBuffer, inOff: number, outOff: number, shape: number[], perm: number[]): void;
  /** float32 sum over the dims with reduced[d] = 1 (rank ≤ 8). */
  sum(heap: ArrayBuffer, inOff: number, outOff: number, shape: number[], reduced: number[]): void;
  /** float32 tanh of n elements (out may equal in). */
  tanh(heap: ArrayBuffer, inOff: number, outOff: number, n: number): void;
  /** float32 exp of n elements. */
  exp(heap: ArrayBuffer, inOff: number, outOff: number, n: number): void;
  /** Broadcasting comparison (op 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=; dtype 0 float32, 1 int32) to bool. */
  compare(heap: ArrayBuffer, op: number, dtype: number, aOff: number, bOff: number, outOff: number, shape: number[], aStrides: number[], bStrides: number[]): void;
  /** Fused kernels (native/fused.c, native/attention.c); offsets in bytes, see the C files for the contracts. */
  layerNorm(heap: ArrayBuffer, x: number, g: number, b: number, y: number, mean: number, rstd: number, rows: number, d: number, eps: number): void;
  layerNormGrad(heap: ArrayBuffer, x: number, g: number, mean: number, rstd: number, dy: number, dx: number, dg: number, db: number, rows: number, d: number): void;
  gelu(heap: ArrayBuffer, x: number, y: number, n: number): void;
  geluGrad(heap: ArrayBuffer, x: number, dy: number, dx: number, n: number): void;
  logSoftmaxPick(heap: ArrayBuffer, logits: number, targets: number, logp: number, lse: number, rows: number, v: number, temperature: number): void;
  logSoftmaxPickGrad(heap: ArrayBuffer, logits: number, targets: number, lse: number, dy: number, dlogits: number, rows: number, v: number, temperature: number): void;
  /** offsets: 7 per parameter (p, g, m, v, p', m', v'); sizes and decay flags: one per parameter. */
  adamw(heap: ArrayBuffer, offsets: Float64Array, sizes: Float64Array, decay: Float64Array, b1: number, b2: number, eps: number, stepSize: number, sqrtBc2: number, decayFactor: number): void;
  attention(heap: ArrayBuffer, qkv: number, mask: number, out: number, probs: number, b: number, t: number, h: number, dh: number, mB: number, mQ: number, mT: number, scale: number): void;
  attentionGrad(heap: ArrayBuffer, qkv: number, probs: number, dOut: number, dQkv: number, b: number, t: number, h: number, dh: number, scale: number): void;
  attendCache(
    heap: ArrayBuffer, qkv: number, kCache: number, vCache: number, mask: number, out: number,
    b: number, tq: number, h: number, dh: number, tMax: number, pos: number, mB: number, mQ: number, mT: number, scale: number,
  ): void;
  /** One decoder block for cached generation; offsets: h, ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, w1, b1, w2, b2, kCache, vCache, mask (-1), out. */
  decoderStep(heap: ArrayBuffer, offsets: Float64Array, b: number, tq: number, h: number, dh: number, f: number, tMax: number, pos: number, mB: number, mQ: number, mT: number, eps: number): void;
  setThreads(n: number): void;
  info(): { config: string; corename: string; threads: number };
}

export interface BlasLoad {
  addon: BlasAddon | null;
  /** What happened: where it was loaded from, or why not. */
  reason: string;
  threads: number;
}

let cached: BlasLoad | null = null;

export function nativeDir(): string {
  return resolve(process.env.DEEPMEDIX_NATIVE_DIR ?? join(PROJECT_ROOT, 'node_modules', '.cache', 'deepmedix-native'));
}

/** Threads for native products: DEEPMEDIX_THREADS, else min(2, available cores). */
export function nativeThreads(): number {
  const env = Number(process.env.DEEPMEDIX_THREADS);
  if (Number.isInteger(env) && env >= 1 && env <= 31) return env;
  return Math.max(1, Math.min(2, availableParallelism()));
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

function tryBuild(): string | null {
  const script = join(PROJECT_ROOT, 'scripts', 'build-native.sh');
  try {
    execFileSync('bash', [script, '--strict'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
      env: { ...process.env, DEEPMEDIX_NATIVE_DIR: nativeDir() },
    });
    return null;
  } catch (e) {
    const err = e as { stderr?: Buffer };
    const msg = err.stderr?.toString().trim().split('\n').pop();
    return msg || firstLine(e);
  }
}

/** Load (building once if needed) the addon; the result is cached for the process. */
export function loadBlas(): BlasLoad {
  if (cached) return cached;
  const threads = nativeThreads();
  const mode = (process.env.DEEPMEDIX_NATIVE ?? '').toLowerCase();
  if (mode === 'off' || mode === '0') {
    cached = { addon: null, reason: 'disabled by DEEPMEDIX_NATIVE', threads };
    return cached;
  }
  const file = join(nativeDir(), 'deepmedix_blas.node');
  const failed = join(nativeDir(), 'build-failed.txt');
  const srcDir = join(PROJECT_ROOT, 'native');
  const srcTime = existsSync(srcDir)
    ? Math.max(0, ...readdirSync(srcDir).filter((f) => /\.(c|h)$/.test(f)).map((f) => statSync(join(srcDir, f)).mtimeMs))
    : 0;
  const stale = existsSync(file) && srcTime > statSync(file).mtimeMs;
  // A failed build is not retried at every start-up until the source changes (or the note is removed).
  const failedBefore = existsSync(failed) && statSync(failed).mtimeMs >= srcTime ? readFileSync(failed, 'utf8').trim() : '';
  let built = '';
  if (failedBefore && !existsSync(file)) {
    cached = { addon: null, reason: `addon not built (${failedBefore}; delete ${failed} to retry)`, threads };
    return cached;
  }
  if ((!existsSync(file) || stale) && process.env.DEEPMEDIX_NATIVE_BUILD !== '0') {
    const why = tryBuild();
    if (why && !existsSync(file)) {
      try {
        mkdirSync(nativeDir(), { recursive: true });
        writeFileSync(failed, why + '\n');
      } catch {
        /* the note is only an optimisation */
      }
      cached = { addon: null, reason: `addon not built (${why})`, threads };
      return cached;
    }
    built = why ? ` (rebuild failed: ${why}; using the older build)` : ' (built now)';
  }
  if (!existsSync(file)) {
    cached = { addon: null, reason: `addon not found at ${file}; run scripts/build-native.sh`, threads };
    return cached;
  }
  // OpenBLAS worker threads spin after each call; keep that short on a shared machine.
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  try {
    const addon = createRequire(join(PROJECT_ROOT, 'package.json'))(file) as BlasAddon;
    addon.setThreads(threads);
    const info = addon.info();
    cached = { addon, reason: `${info.config.split(' ').slice(0, 2).join(' ')} ${info.corename}, ${threads} threads${built}`, threads };
  } catch (e) {
    cached = { addon: null, reason: `addon failed to load (${firstLine(e)})`, threads };
  }
  return cached;
}
