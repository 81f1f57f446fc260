/**
 * Faster kernels on top of the chosen tfjs backend, installed at backend start-up (src/backend.ts
 * calls `installFastKernels`) and listed in `choice.kernels`, which the start-up line prints.
 *
 * On 'wasm': UnsortedSegmentSum (missing there; needed by the gradient of tf.gather), GatherV2
 * (row copies), Cast (typed-array conversion), Identity (shared data, no copy) and Unpack (block
 * copies) in TypeScript,
 * and — when the OpenBLAS addon
 * loads — BatchMatMul and _FusedMatMul on sgemm, Transpose, Sum, Tanh, Exp and the comparisons
 * (Equal … GreaterEqual) on the addon's C loops, each falling back to the stock kernel for anything
 * it does not handle; and the fused kernels of ./fused.ts (layer norm, GELU, attention, attention
 * against a KV cache, log-softmax at targets, AdamW), which src/model uses where they exist. `DEEPMEDIX_KERNELS=stock` installs nothing.
 * Other backends are left as they are.
 */
import * as tf from '@tensorflow/tfjs';
import { loadBlas } from './native.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul-native.js';
import { castKernel, COMPARE_OPS, compareKernel, expKernel, gatherKernel, identityKernel, tanhKernel } from './elementwise-native.js';
import { sumKernel, transposeKernel, unpackKernel } from './layout-native.js';
import { fusedKernels } from './fused.js';
import { unsortedSegmentSumWasm } from './segment-sum.js';
import { isWasmBackendLike } from './wasm-heap.js';

/** Kernels present before we replaced them, by `${backend}/${kernel}` (null: there was none). */
const stockKernels = new Map<string, tf.KernelConfig | null>();

function replaceKernel(config: tf.KernelConfig): void {
  const key = `${config.backendName}/${config.kernelName}`;
  if (!stockKernels.has(key)) stockKernels.set(key, tf.getKernel(config.kernelName, config.backendName) ?? null);
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Whether faster kernels are installed now (tests put the state back as they found it). */
export function fastKernelsInstalled(): boolean {
  return stockKernels.size > 0;
}

/**
 * Where the addon is missing (not switched off on purpose): the expected slowdown and the one
 * command that fixes it, for the start-up line; null when there is nothing to fix.
 */
export function missingAddonAdvice(backendName: string = tf.getBackend()): string | null {
  const off = (v: string | undefined) => ['stock', 'off', '0'].includes((v ?? '').toLowerCase());
  if (backendName !== 'wasm' || off(process.env.DEEPMEDIX_KERNELS) || off(process.env.DEEPMEDIX_NATIVE)) return null;
  if (loadBlas().addon) return null;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const fix =
    process.platform === 'darwin'
      ? 'brew install openblas && npm run build:native'
      : `${root ? '' : 'sudo '}apt-get install -y gcc libopenblas-dev && npm run build:native`;
  return (
    '[deepmedix] running on the stock wasm kernels, without the OpenBLAS addon: training and generation are about 6-10x slower ' +
    `(the default \`npm start\` takes about an hour instead of minutes). Fix: ${fix}`
  );
}

/** Put back the stock kernels (benches and tests compare both); returns what was restored. */
export function restoreStockKernels(): string[] {
  const restored: string[] = [];
  for (const [key, stock] of stockKernels) {
    const [backendName, kernelName] = key.split('/');
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    if (stock) tf.registerKernel(stock);
    restored.push(key);
  }
  stockKernels.clear();
  return restored;
}

/**
 * Register the faster kernels for the active backend; returns the descriptions that go into
 * `choice.kernels`. Safe to call again after `restoreStockKernels`.
 */
export function installFastKernels(backendName: string = tf.getBackend()): string[] {
  const mode = (process.env.DEEPMEDIX_KERNELS ?? '').toLowerCase();
  if (mode === 'stock' || mode === 'off') return ['none (DEEPMEDIX_KERNELS=stock)'];
  if (backendName !== 'wasm') return [];
  if (!isWasmBackendLike(tf.findBackend('wasm'))) return ['none (wasm backend internals not as expected; stock kernels kept)'];
  const notes: string[] = [];
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm') || stockKernels.has('wasm/UnsortedSegmentSum')) {
    replaceKernel(unsortedSegmentSumWasm);
    notes.push('UnsortedSegmentSum (js)');
  }
  const stock = (name: string) => stockKernels.get(`wasm/${name}`) ?? tf.getKernel(name, 'wasm');
  const js = ['GatherV2', 'Cast', 'Identity', 'Unpack'].filter((k) => stock(k));
  if (stock('Unpack')) replaceKernel(unpackKernel(stock('Unpack')!));
  if (stock('GatherV2')) replaceKernel(gatherKernel(stock('GatherV2')!));
  if (stock('Cast')) replaceKernel(castKernel(stock('Cast')!));
  if (stock('Identity')) replaceKernel(identityKernel(stock('Identity')!));
  if (js.length) notes.push(`${js.join('+')} (js)`);
  const blas = loadBlas();
  const compares = Object.keys(COMPARE_OPS);
  const wanted = ['BatchMatMul', '_FusedMatMul', 'Transpose', 'Sum', 'Tanh', 'Exp', ...compares];
  if (blas.addon && wanted.every((k) => stock(k))) {
    const addon = blas.addon;
    replaceKernel(batchMatMulKernel(addon, stock('BatchMatMul')!));
    replaceKernel(fusedMatMulKernel(addon, stock('_FusedMatMul')!));
    replaceKernel(transposeKernel(addon, stock('Transpose')!));
    replaceKernel(sumKernel(addon, stock('Sum')!));
    replaceKernel(tanhKernel(addon, stock('Tanh')!));
    replaceKernel(expKernel(addon, stock('Exp')!));
    for (const k of compares) replaceKernel(compareKernel(addon, stock(k)!));
    for (const k of fusedKernels(addon)) replaceKernel(k);
    notes.push(`${wanted.filter((k) => !compares.includes(k)).join('+')}+comparisons, fused layer norm+GELU+attention+KV-cache attention+log-softmax+AdamW (${blas.reason})`);
  } else {
    notes.push(`stock matMul (no OpenBLAS addon: ${blas.reason})`);
  }
  return notes;
}
