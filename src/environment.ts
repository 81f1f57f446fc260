/** What the workbench runs on: backend, versions, cores, memory, GPU — for notebook 00 and `deepmedix env`. */
import { cpus, totalmem, freemem, platform, release } from 'node:os';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { initBackend, tf, type BackendChoice } from './backend.js';
import { PROJECT_ROOT, sharedRoot } from './util/paths.js';
import { join } from 'node:path';

const requireFromRoot = createRequire(join(PROJECT_ROOT, 'package.json'));

function packageVersion(name: string): string {
  try {
    return (requireFromRoot(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function commandLine(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0];
  } catch {
    return null;
  }
}

export interface EnvironmentReport {
  backend: BackendChoice;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: { total: number; free: number };
  gpu: string;
  packages: Record<string, string>;
  jupyter: string;
  chromium: string;
  shared: string;
}

export async function describeEnvironment(): Promise<EnvironmentReport> {
  const backend = await initBackend();
  const nvidia = commandLine('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader']);
  return {
    backend,
    node: process.version,
    os: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: { total: +(totalmem() / 2 ** 30).toFixed(1), free: +(freemem() / 2 ** 30).toFixed(1) },
    gpu: nvidia ?? 'none visible (no nvidia-smi answer)',
    packages: Object.fromEntries(
      ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node-gpu', 'tslab', 'sharp', 'danfojs-node', 'plotly.js-dist-min', 'natural', 'playwright-core'].map((p) => [p, packageVersion(p)]),
    ),
    jupyter: commandLine('jupyter', ['--version']) ? 'installed' : 'not installed (npm run setup:jupyter)',
    chromium: commandLine('chromium', ['--version']) ?? 'not installed (apt-get install chromium)',
    shared: existsSync(sharedRoot()) ? sharedRoot() : `absent (${sharedRoot()}): real-data tests and notebooks skip`,
  };
}

/** A quick matmul throughput reading on the active backend (GFLOPS), for orientation only. */
export function matmulGflops(n = 256, reps = 10): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dispose(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }
  const secs = (performance.now() - t0) / 1000;
  a.dispose();
  b.dispose();
  return (2 * n ** 3 * reps) / secs / 1e9;
}

export const GPU_HOWTO = `To train on an NVIDIA GPU: a Linux machine with CUDA 11.8+/cuDNN 8 and internet access at install time.
'npm ci' then installs @tensorflow/tfjs-node-gpu (an optionalDependency; its install script downloads libtensorflow,
so approve it if npm asks: 'npm install-scripts approve @tensorflow/tfjs-node-gpu' then 'npm rebuild @tensorflow/tfjs-node-gpu').
The workbench picks it automatically when a CUDA device is visible; DEEPMEDIX_BACKEND=gpu forces it (and fails loudly if it cannot load).`;
