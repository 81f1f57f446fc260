/**
 * Tensor backend choice: tfjs-node-gpu (when it loads and sees a CUDA device) -> tfjs-node ->
 * wasm -> cpu. `DEEPMEDIX_BACKEND` (gpu | node | wasm | cpu) forces one. A failed candidate says
 * why and the choice falls through to the next; the chosen backend and the reason are logged once.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { installFastKernels, missingAddonAdvice } from './kernels/index.js';

export const BACKEND_NAMES = ['gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendCandidate {
  name: BackendName;
  /** Load and activate the backend; throw with a reason when it cannot be used. */
  activate: () => Promise<void>;
}

export interface BackendChoice {
  name: BackendName;
  /** The tfjs backend id now active (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  reason: string;
  /** Candidates tried before the chosen one, with why each failed. */
  failures: { name: BackendName; reason: string }[];
  /** Extra kernels registered on top of the backend (filled in by kernel modules). */
  kernels: string[];
}

let chosen: BackendChoice | null = null;
let pending: Promise<BackendChoice> | null = null;

function cudaDeviceVisible(): string | null {
  if (existsSync('/dev/nvidia0')) return '/dev/nvidia0 present';
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    if (/GPU \d+/.test(out)) return out.trim().split('\n')[0];
  } catch {
    /* no nvidia-smi */
  }
  return null;
}

async function activateTensorflow(pkg: string): Promise<void> {
  try {
    await import(pkg);
  } catch (e) {
    throw new Error(`${pkg} is not installed or failed to load (${firstLine(e)})`);
  }
  // The npm override maps @tensorflow/tfjs-node to plain tfjs (no native binding), so loading
  // may succeed without registering the native 'tensorflow' backend.
  if (!tf.findBackendFactory('tensorflow')) throw new Error(`${pkg} loaded but registered no native 'tensorflow' backend`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg}: tf.setBackend('tensorflow') failed`);
}

/** The standard candidates, in preference order. */
export function defaultCandidates(): BackendCandidate[] {
  return [
    {
      name: 'gpu',
      activate: async () => {
        const device = cudaDeviceVisible();
        if (!device) throw new Error('no CUDA device visible (no /dev/nvidia0, no GPU from nvidia-smi)');
        await activateTensorflow('@tensorflow/tfjs-node-gpu');
      },
    },
    { name: 'node', activate: () => activateTensorflow('@tensorflow/tfjs-node') },
    {
      name: 'wasm',
      activate: async () => {
        await import('@tensorflow/tfjs-backend-wasm');
        if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
      },
    },
    {
      name: 'cpu',
      activate: async () => {
        if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
      },
    },
  ];
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

export interface ChooseOptions {
  /** Force one backend (default: process.env.DEEPMEDIX_BACKEND). */
  force?: string;
  candidates?: BackendCandidate[];
  /** Where the one-time log line goes (default: stderr); null for silence. */
  log?: ((line: string) => void) | null;
}

/**
 * Try candidates in order and activate the first that works. With `force`, only that one is tried
 * (an unknown name or a failure to load it is an error: a forced choice never silently changes).
 */
export async function chooseBackend(opts: ChooseOptions = {}): Promise<BackendChoice> {
  const force = (opts.force ?? process.env.DEEPMEDIX_BACKEND ?? '').trim().toLowerCase();
  const all = opts.candidates ?? defaultCandidates();
  let list = all;
  if (force) {
    if (!(BACKEND_NAMES as readonly string[]).includes(force)) {
      throw new Error(`DEEPMEDIX_BACKEND='${force}' is not a backend; choose one of ${BACKEND_NAMES.join(', ')}`);
    }
    list = all.filter((c) => c.name === force);
  }
  const failures: { name: BackendName; reason: string }[] = [];
  for (const c of list) {
    try {
      await c.activate();
      const reason = force
        ? `forced by DEEPMEDIX_BACKEND=${force}`
        : failures.length
          ? `first working candidate (${failures.map((f) => `${f.name}: ${f.reason}`).join('; ')})`
          : 'first candidate';
      return { name: c.name, tfBackend: tf.getBackend(), reason, failures, kernels: [] };
    } catch (e) {
      failures.push({ name: c.name, reason: firstLine(e) });
    }
  }
  const why = failures.map((f) => `${f.name}: ${f.reason}`).join('; ');
  throw new Error(force ? `forced backend '${force}' failed: ${why}` : `no tensor backend could start: ${why}`);
}

/** Choose and activate the process-wide backend once; later calls return the same choice. */
export async function initBackend(opts: ChooseOptions = {}): Promise<BackendChoice> {
  if (chosen) return chosen;
  if (!pending) {
    pending = (async () => {
      const choice = await chooseBackend(opts);
      // The workbench's faster kernels (src/kernels), registered on top of the chosen backend.
      let advice: string | null = null;
      try {
        choice.kernels.push(...installFastKernels(choice.tfBackend));
        advice = missingAddonAdvice(choice.tfBackend);
      } catch (e) {
        choice.kernels.push(`none (src/kernels failed: ${firstLine(e)})`);
      }
      const log = opts.log === undefined ? (l: string) => process.stderr.write(l + '\n') : opts.log;
      log?.(describeBackend(choice));
      if (advice) log?.(advice);
      chosen = choice;
      return choice;
    })();
  }
  return pending;
}

export function describeBackend(c: BackendChoice): string {
  const kernels = c.kernels.length ? ` + kernels: ${c.kernels.join(', ')}` : '';
  return `[deepmedix] backend ${c.name} (tfjs '${c.tfBackend}'${kernels}): ${c.reason}`;
}

export { tf };
