/**
 * Fused kernels for tfjs's wasm backend on the OpenBLAS addon (native/fused.c, native/attention.c),
 * registered under names of their own (`Dmx…`), so they exist only where the addon loaded and
 * `DEEPMEDIX_KERNELS` is not `stock`. Model code reaches them through src/model/layers.ts and
 * src/model/attention.ts, which check the registry and otherwise compose stock ops; each forward
 * kernel has its backward kernel, wired up there with tf.customGrad.
 *
 *   DmxLayerNorm        {x [R, d], g [d], b [d]} {eps}            -> [y, mean [R], rstd [R]]
 *   DmxLayerNormGrad    {x, g, mean, rstd, dy}                     -> [dx, dg, db]
 *   DmxGelu / Grad      {x} -> y;  {x, dy} -> dx                    (tanh form)
 *   DmxAttention        {qkv [B·T, 3·H·dh], mask? [mB, mQ, T]} {batch, heads} -> [out [B·T, H·dh], probs [B, H, T, T]]
 *   DmxAttentionGrad    {qkv, probs, dy} {batch, heads}            -> dqkv
 *   DmxAttendCache      {qkv [B·Tq, 3·H·dh], kCache, vCache [B, Tmax, H·dh], mask? [mB, mQ, ≥ Tk]} {batch, heads, pos}
 *                       -> out [B·Tq, H·dh]; writes the new keys/values into the caches IN PLACE (refused
 *                       unless each cache's data has a single reference), no gradient
 *   DmxDecoderStep      {h [B·Tq, d], ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, w1, b1, w2, b2, kCache, vCache, mask?}
 *                       {batch, heads, pos, eps} -> out [B·Tq, d]: a whole pre-norm decoder block of cached
 *                       generation (the steps above, in one call); writes the caches in place like DmxAttendCache
 *   DmxLogSoftmaxPick   {logits [N, V], targets int32 [N]} {temperature} -> [logp [N], lse [N]]
 *   DmxLogSoftmaxPickGrad {logits, targets, lse, dy} {temperature} -> dlogits
 *   DmxAdamW            {p0, g0, m0, v0, p1, …} {count, decay[], b1, b2, eps, stepSize, sqrtBc2, decayFactor}
 *                       -> [p0', m0', v0', p1', …] (new tensors; the optimizer assigns them)
 * Every kernel checks dtypes and shapes and throws on anything else (the callers check first and
 * take the stock path, so a throw here means a caller's bug, never a silent wrong answer).
 */
import type { DataType, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './native.js';
import { heapBuffer, heapOffset, isWasmBackendLike, type WasmBackendLike } from './wasm-heap.js';

type KernelArgs = Parameters<KernelFunc>[0];
type Inputs = Record<string, TensorInfo | undefined>;

export const FUSED_KERNELS = [
  'DmxLayerNorm',
  'DmxLayerNormGrad',
  'DmxGelu',
  'DmxGeluGrad',
  'DmxAttention',
  'DmxAttentionGrad',
  'DmxAttendCache',
  'DmxDecoderStep',
  'DmxLogSoftmaxPick',
  'DmxLogSoftmaxPickGrad',
  'DmxAdamW',
] as const;

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

function need(ok: boolean, kernel: string, what: string): void {
  if (!ok) throw new Error(`${kernel}: ${what}`);
}

function f32(t: TensorInfo | undefined, kernel: string, name: string, shape?: number[]): TensorInfo {
  need(!!t, kernel, `input ${name} missing`);
  need(t!.dtype === 'float32', kernel, `${name} must be float32, got ${t!.dtype}`);
  if (shape) need(t!.shape.length === shape.length && t!.shape.every((d, i) => d === shape[i]), kernel, `${name} has shape [${t!.shape}], expected [${shape}]`);
  return t!;
}

/** Attention sizes from qkv [B·T, 3·H·dh] and the batch/heads attributes. */
function attnDims(kernel: string, qkv: TensorInfo, attrs: NamedAttrMap | undefined): { B: number; T: number; H: number; dh: number; D: number } {
  const B = Number(attrs?.batch);
  const H = Number(attrs?.heads);
  need(qkv.shape.length === 2 && Number.isInteger(B) && B >= 1 && Number.isInteger(H) && H >= 1, kernel, 'qkv must be [B·T, 3·H·dh] with integer batch and heads');
  const [rows, w] = qkv.shape;
  need(rows % B === 0 && w % (3 * H) === 0 && rows > 0 && w > 0, kernel, `qkv [${qkv.shape}] does not split into batch ${B} and ${H} heads`);
  return { B, T: rows / B, H, dh: w / (3 * H), D: w / 3 };
}

/**
 * A mask [mB, mQ, mT] for B batch rows, Tq queries and Tk keys (mT = Tk; for the cache kernel
 * mT ≥ Tk, columns past the keys unread): its dims.
 */
function maskDims(kernel: string, mask: TensorInfo | undefined, B: number, Tq: number, Tk: number, wider = false): [number, number, number] {
  if (!mask) return [1, 1, Tk];
  f32(mask, kernel, 'mask');
  const [mB, mQ, mT] = mask.shape;
  need(mask.shape.length === 3 && (mB === 1 || mB === B) && (mQ === 1 || mQ === Tq) && (mT === Tk || (wider && mT > Tk)), kernel, `mask [${mask.shape}] is not [1|${B}, 1|${Tq}, ${Tk}]`);
  return [mB, mQ, mT];
}

function make(kernelName: string, run: (addon: BlasAddon, backend: WasmBackendLike, inputs: Inputs, attrs: NamedAttrMap | undefined) => TensorInfo | TensorInfo[]) {
  return (addon: BlasAddon): KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      need(isWasmBackendLike(args.backend), kernelName, 'needs the wasm backend');
      return run(addon, args.backend as unknown as WasmBackendLike, args.inputs as Inputs, args.attrs);
    }) as KernelFunc,
  });
}

const out = (backend: WasmBackendLike, shape: number[], dtype: DataType = 'float32') => backend.makeOutput(shape, dtype);

const layerNorm = make('DmxLayerNorm', (addon, be, inputs, attrs) => {
  const x = f32(inputs.x, 'DmxLayerNorm', 'x');
  need(x.shape.length === 2, 'DmxLayerNorm', 'x must be 2-D');
  const [R, d] = x.shape;
  const g = f32(inputs.g, 'DmxLayerNorm', 'g', [d]);
  const b = f32(inputs.b, 'DmxLayerNorm', 'b', [d]);
  const [y, mean, rstd] = [out(be, [R, d]), out(be, [R]), out(be, [R])];
  const o = (t: TensorInfo) => heapOffset(be, t);
  addon.layerNorm(heapBuffer(be), o(x), o(g), o(b), o(y), o(mean), o(rstd), R, d, Number(attrs?.eps ?? 1e-5));
  return [y, mean, rstd];
});

const layerNormGrad = make('DmxLayerNormGrad', (addon, be, inputs) => {
  const k = 'DmxLayerNormGrad';
  const x = f32(inputs.x, k, 'x');
  need(x.shape.length === 2, k, 'x must be 2-D');
  const [R, d] = x.shape;
  const g = f32(inputs.g, k, 'g', [d]);
  const mean = f32(inputs.mean, k, 'mean', [R]);
  const rstd = f32(inputs.rstd, k, 'rstd', [R]);
  const dy = f32(inputs.dy, k, 'dy', [R, d]);
  const [dx, dg, db] = [out(be, [R, d]), out(be, [d]), out(be, [d])];
  const o = (t: TensorInfo) => heapOffset(be, t);
  addon.layerNormGrad(heapBuffer(be), o(x), o(g), o(mean), o(rstd), o(dy), o(dx), o(dg), o(db), R, d);
  return [dx, dg, db];
});

const gelu = make('DmxGelu', (addon, be, inputs) => {
  const x = f32(inputs.x, 'DmxGelu', 'x');
  const y = out(be, x.shape);
  addon.gelu(heapBuffer(be), heapOffset(be, x), heapOffset(be, y), size(x.shape));
  return y;
});

const geluGrad = make('DmxGeluGrad', (addon, be, inputs) => {
  const x = f32(inputs.x, 'DmxGeluGrad', 'x');
  const dy = f32(inputs.dy, 'DmxGeluGrad', 'dy', x.shape);
  const dx = out(be, x.shape);
  addon.geluGrad(heapBuffer(be), heapOffset(be, x), heapOffset(be, dy), heapOffset(be, dx), size(x.shape));
  return dx;
});

const attention = make('DmxAttention', (addon, be, inputs, attrs) => {
  const k = 'DmxAttention';
  const qkv = f32(inputs.qkv, k, 'qkv');
  const { B, T, H, dh, D } = attnDims(k, qkv, attrs);
  const [mB, mQ, mT] = maskDims(k, inputs.mask, B, T, T);
  const [o, probs] = [out(be, [B * T, D]), out(be, [B, H, T, T])];
  const mask = inputs.mask ? heapOffset(be, inputs.mask) : -1;
  addon.attention(heapBuffer(be), heapOffset(be, qkv), mask, heapOffset(be, o), heapOffset(be, probs), B, T, H, dh, mB, mQ, mT, 1 / Math.sqrt(dh));
  return [o, probs];
});

const attentionGrad = make('DmxAttentionGrad', (addon, be, inputs, attrs) => {
  const k = 'DmxAttentionGrad';
  const qkv = f32(inputs.qkv, k, 'qkv');
  const { B, T, H, dh, D } = attnDims(k, qkv, attrs);
  const probs = f32(inputs.probs, k, 'probs', [B, H, T, T]);
  const dy = f32(inputs.dy, k, 'dy', [B * T, D]);
  const dqkv = out(be, qkv.shape);
  addon.attentionGrad(heapBuffer(be), heapOffset(be, qkv), heapOffset(be, probs), heapOffset(be, dy), heapOffset(be, dqkv), B, T, H, dh, 1 / Math.sqrt(dh));
  return dqkv;
});

const attendCache = make('DmxAttendCache', (addon, be, inputs, attrs) => {
  const k = 'DmxAttendCache';
  const qkv = f32(inputs.qkv, k, 'qkv');
  const { B, T: Tq, H, dh, D } = attnDims(k, qkv, attrs);
  const pos = Number(attrs?.pos);
  const { kc, vc, Tmax } = cacheInputs(k, be, inputs, B, D, Tq, pos);
  const [mB, mQ, mT] = maskDims(k, inputs.mask, B, Tq, pos + Tq, true);
  const o = out(be, [B * Tq, D]);
  const mask = inputs.mask ? heapOffset(be, inputs.mask) : -1;
  addon.attendCache(heapBuffer(be), heapOffset(be, qkv), heapOffset(be, kc), heapOffset(be, vc), mask, heapOffset(be, o), B, Tq, H, dh, Tmax, pos, mB, mQ, mT, 1 / Math.sqrt(dh));
  return o;
});

/** The caches of a cached-attention kernel: checked, and refused unless each is the only view of its data. */
function cacheInputs(k: string, be: WasmBackendLike, inputs: Inputs, B: number, D: number, Tq: number, pos: number): { kc: TensorInfo; vc: TensorInfo; Tmax: number } {
  const kc = f32(inputs.kCache, k, 'kCache');
  const vc = f32(inputs.vCache, k, 'vCache', kc.shape);
  need(kc.shape.length === 3 && kc.shape[0] === B && kc.shape[2] === D, k, `caches [${kc.shape}] are not [${B}, Tmax, ${D}]`);
  const Tmax = kc.shape[1];
  need(Number.isInteger(pos) && pos >= 0 && pos + Tq <= Tmax, k, `positions ${pos}..${pos + Tq - 1} do not fit a cache of ${Tmax}`);
  for (const c of [kc, vc]) need(typeof be.refCount === 'function' && be.refCount(c.dataId) === 1, k, 'a cache shares its data with another tensor; refusing to write it in place');
  return { kc, vc, Tmax };
}

const BLOCK_WEIGHTS = ['ln1g', 'ln1b', 'wqkv', 'bqkv', 'wo', 'bo', 'ln2g', 'ln2b', 'w1', 'b1', 'w2', 'b2'] as const;

const decoderStep = make('DmxDecoderStep', (addon, be, inputs, attrs) => {
  const k = 'DmxDecoderStep';
  const h = f32(inputs.h, k, 'h');
  const B = Number(attrs?.batch);
  const H = Number(attrs?.heads);
  need(h.shape.length === 2 && Number.isInteger(B) && B >= 1 && h.shape[0] % B === 0 && Number.isInteger(H) && H >= 1 && h.shape[1] % H === 0, k, 'h must be [B·Tq, d] with d a multiple of heads');
  const [R, d] = h.shape;
  const Tq = R / B;
  const F = inputs.w1?.shape[1] ?? 0;
  const shapes: Record<(typeof BLOCK_WEIGHTS)[number], number[]> = {
    ln1g: [d], ln1b: [d], wqkv: [d, 3 * d], bqkv: [3 * d], wo: [d, d], bo: [d], ln2g: [d], ln2b: [d], w1: [d, F], b1: [F], w2: [F, d], b2: [d],
  };
  const weights = BLOCK_WEIGHTS.map((n) => f32(inputs[n], k, n, shapes[n]));
  const pos = Number(attrs?.pos);
  const { kc, vc, Tmax } = cacheInputs(k, be, inputs, B, d, Tq, pos);
  const [mB, mQ, mT] = maskDims(k, inputs.mask, B, Tq, pos + Tq, true);
  const o = out(be, [R, d]);
  const offsets = Float64Array.from([h, ...weights, kc, vc].map((t) => heapOffset(be, t)));
  const all = Float64Array.from([...offsets, inputs.mask ? heapOffset(be, inputs.mask) : -1, heapOffset(be, o)]);
  addon.decoderStep(heapBuffer(be), all, B, Tq, H, d / H, F, Tmax, pos, mB, mQ, mT, Number(attrs?.eps ?? 1e-5));
  return o;
});

function pickInputs(k: string, inputs: Inputs, attrs: NamedAttrMap | undefined) {
  const logits = f32(inputs.logits, k, 'logits');
  need(logits.shape.length === 2, k, 'logits must be [N, V]');
  const targets = inputs.targets;
  need(!!targets && targets.dtype === 'int32' && targets.shape.length === 1 && targets.shape[0] === logits.shape[0], k, 'targets must be int32 [N]');
  const temperature = Number(attrs?.temperature ?? 1);
  need(temperature > 0 && Number.isFinite(temperature), k, `temperature must be positive, got ${temperature}`);
  return { logits, targets: targets!, temperature, N: logits.shape[0], V: logits.shape[1] };
}

const logSoftmaxPick = make('DmxLogSoftmaxPick', (addon, be, inputs, attrs) => {
  const { logits, targets, temperature, N, V } = pickInputs('DmxLogSoftmaxPick', inputs, attrs);
  const [logp, lse] = [out(be, [N]), out(be, [N])];
  addon.logSoftmaxPick(heapBuffer(be), heapOffset(be, logits), heapOffset(be, targets), heapOffset(be, logp), heapOffset(be, lse), N, V, temperature);
  return [logp, lse];
});

const logSoftmaxPickGrad = make('DmxLogSoftmaxPickGrad', (addon, be, inputs, attrs) => {
  const k = 'DmxLogSoftmaxPickGrad';
  const { logits, targets, temperature, N, V } = pickInputs(k, inputs, attrs);
  const lse = f32(inputs.lse, k, 'lse', [N]);
  const dy = f32(inputs.dy, k, 'dy', [N]);
  const dx = out(be, [N, V]);
  addon.logSoftmaxPickGrad(heapBuffer(be), heapOffset(be, logits), heapOffset(be, targets), heapOffset(be, lse), heapOffset(be, dy), heapOffset(be, dx), N, V, temperature);
  return dx;
});

const adamW = make('DmxAdamW', (addon, be, inputs, attrs) => {
  const k = 'DmxAdamW';
  const count = Number(attrs?.count);
  const decay = (attrs?.decay as number[] | undefined) ?? [];
  need(Number.isInteger(count) && count >= 0 && decay.length === count, k, 'count and decay[] must agree');
  const params: TensorInfo[][] = [];
  for (let i = 0; i < count; i++) {
    const p = f32(inputs[`p${i}`], k, `p${i}`);
    params.push([p, ...['g', 'm', 'v'].map((n) => f32(inputs[`${n}${i}`], k, `${n}${i}`, p.shape))]);
  }
  const outs = params.map(([p]) => [out(be, p.shape), out(be, p.shape), out(be, p.shape)]);
  const offsets = new Float64Array(7 * count);
  params.forEach((ts, i) => [...ts, ...outs[i]].forEach((t, j) => (offsets[7 * i + j] = heapOffset(be, t))));
  const sizes = Float64Array.from(params, ([p]) => size(p.shape));
  const num = (n: string) => Number(attrs?.[n]);
  addon.adamw(heapBuffer(be), offsets, sizes, Float64Array.from(decay), num('b1'), num('b2'), num('eps'), num('stepSize'), num('sqrtBc2'), num('decayFactor'));
  return outs.flat();
});

/** The fused kernels' configs on `addon`. */
export function fusedKernels(addon: BlasAddon): KernelConfig[] {
  return [layerNorm, layerNormGrad, gelu, geluGrad, attention, attentionGrad, attendCache, decoderStep, logSoftmaxPick, logSoftmaxPickGrad, adamW].map((f) => f(addon));
}
