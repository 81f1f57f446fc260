/**
 * Training and generation throughput of the vision-language model, side by side with its PyTorch
 * twin (bench/peers/torch_model.py: same architecture, shapes, float32, thread count).
 *
 *   npx tsx bench/train.ts [--profile default] [--batch 32] [--len 64] [--steps 5] [--threads 2]
 *                          [--new-tokens 128] [--rows 8] [--no-torch] [--no-generate] [--profile-kernels]
 *
 * Prints: training tokens/s (text tokens per second) for tfjs and PyTorch and their ratio, the
 * achieved FLOP/s (6 × forward MACs … counted as 2 FLOPs per MAC × 3 passes) against a measured
 * 2-D matmul peak, generation tokens/s with and without the KV cache, and (with --profile-kernels)
 * where one tfjs training step spends its time, by kernel. The machine may be shared: the numbers
 * are noisy; the medians of several steps are reported.
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { resolveConfig } from '../src/config.js';
import { generate } from '../src/model/generate.js';
import { countParams, forwardMacs, specFromConfig } from '../src/model/spec.js';
import { VisionLanguageModel } from '../src/model/vlm.js';
import { AdamW, clipByGlobalNorm } from '../src/train/optim.js';
import { answerLoss } from '../src/train/sft.js';
import { numberFlag, parseArgs, stringFlag } from '../src/util/args.js';
import { Rng } from '../src/util/rng.js';

const args = parseArgs(process.argv.slice(2), ['no-torch', 'no-generate', 'profile-kernels']);
const config = resolveConfig(stringFlag(args, 'profile', 'default')!, args.overrides);
const B = numberFlag(args, 'batch', config.sft.batchSize)!;
const T = numberFlag(args, 'len', 64)!;
const steps = numberFlag(args, 'steps', 5)!;
const threads = numberFlag(args, 'threads', 2)!;
const choice = await initBackend();
const spec = specFromConfig(config.model, config.model.vocabSize);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function matmulPeak(): number {
  const n = 512;
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times.slice(1)) / 1000);
}

function fakeBatch(rng: Rng) {
  const V = spec.vocabSize;
  return {
    pixels: tf.tensor3d(Float32Array.from({ length: B * spec.imageSize ** 2 }, () => rng.next()), [B, spec.imageSize, spec.imageSize]),
    tokens: tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(0, V - 1)), [B, T], 'int32'),
    targets: tf.tensor1d(Int32Array.from({ length: B * T }, () => rng.int(0, V - 1)), 'int32'),
    lossMask: tf.ones([B * T]) as tf.Tensor1D,
    scored: B * T,
    tokensIn: B * T,
  };
}

const model = new VisionLanguageModel(spec, 1);
const opt = new AdamW(model.params, model.decayed, { weightDecay: 0.01 });
const names = new Map([...model.params].map(([n, v]) => [v.name, n]));
const batch = fakeBatch(new Rng(1));
const step = () => {
  const { value, grads } = tf.variableGrads(() => answerLoss(model, batch), model.variables);
  value.dataSync();
  value.dispose();
  const named = new Map(Object.entries(grads).map(([k, g]) => [names.get(k)!, g as tf.Tensor]));
  const { grads: clipped } = clipByGlobalNorm(named, 1);
  opt.apply(clipped, 1e-3);
  tf.dispose([...clipped.values()]);
};

console.log(`backend: ${choice.name}${choice.kernels.length ? ` + ${choice.kernels.join(', ')}` : ''}`);
console.log(`model (profile ${config.profile}): ${countParams(spec).toLocaleString('en-US')} parameters; batch ${B} × ${T} text tokens + ${model.numPrefix} prefix tokens`);
const peak = matmulPeak();
console.log(`tfjs 2-D matmul 512³ peak: ${(peak / 1e9).toFixed(1)} GFLOP/s`);

step(); // warm-up
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  step();
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
const flops = 6 * forwardMacs(spec, B, T);
const tfTok = (B * T) / (median(wall) / 1000);
console.log(`tfjs train: ${tfTok.toFixed(0)} tokens/s (median step ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU), ${(flops / (median(wall) / 1000) / 1e9).toFixed(2)} GFLOP/s = ${((100 * flops) / (median(wall) / 1000) / peak).toFixed(0)}% of the matmul peak`);

if (args.flags['profile-kernels']) {
  const info = await tf.profile(() => step());
  const by = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n++;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`kernel time of one step (${total.toFixed(0)} ms in kernels):`);
  for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) console.log(`  ${name.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  (${e.n} calls)`);
}

if (!args.flags['no-torch']) {
  try {
    const job = JSON.stringify({ spec, batch: B, textLen: T, steps, warmup: 1, threads });
    const out = execFileSync('/usr/bin/python3', ['bench/peers/torch_model.py', job], { encoding: 'utf8', timeout: 600_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { tokensPerSec: number; wallMs: number[]; cpuMs: number[]; threads: number; torch: string };
    const tMed = median(r.wallMs);
    console.log(`torch ${r.torch} (${r.threads} threads) train: ${r.tokensPerSec.toFixed(0)} tokens/s (median step ${tMed.toFixed(0)} ms wall, ${median(r.cpuMs).toFixed(0)} ms CPU), ${(flops / (tMed / 1000) / 1e9).toFixed(2)} GFLOP/s`);
    console.log(`ratio tfjs / torch training throughput (wall clock): ${(tfTok / r.tokensPerSec).toFixed(3)}; by CPU time per step: ${(median(r.cpuMs) / median(cpu)).toFixed(3)} (on a shared machine the CPU-time ratio is the steadier one; spinning BLAS threads inflate CPU time)`);
  } catch (e) {
    console.log(`torch peer failed: ${(e as Error).message.split('\n')[0]}`);
  }
}
batch.pixels.dispose();
tf.dispose([batch.tokens, batch.targets, batch.lossMask]);

if (!args.flags['no-generate']) {
  const rows = numberFlag(args, 'rows', 8)!;
  const newTokens = Math.min(numberFlag(args, 'new-tokens', 128)!, spec.maxLen - 17);
  const rng = new Rng(2);
  // Bias the head against EOS so every row writes all its tokens.
  const inputs = Array.from({ length: rows }, () => ({ pixels: Float32Array.from({ length: spec.imageSize ** 2 }, () => rng.next()), prompt: [1, ...Array.from({ length: 15 }, () => rng.int(10, 200))] }));
  const run = (useCache: boolean) => {
    const t0 = performance.now();
    const g = generate(model, { padId: 0, eosId: -1, decode: () => '' } as never, inputs, { maxNewTokens: newTokens, useCache });
    const n = g.reduce((a, x) => a + x.tokens.length, 0);
    return n / ((performance.now() - t0) / 1000);
  };
  run(true);
  const cached = run(true);
  const uncached = run(false);
  console.log(`generation, ${rows} rows × ${newTokens} new tokens: KV cache ${cached.toFixed(0)} tokens/s, no cache ${uncached.toFixed(0)} tokens/s, speed-up ${(cached / uncached).toFixed(1)}×`);
}
opt.dispose();
model.dispose();
