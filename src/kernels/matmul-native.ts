/**
 * BatchMatMul and _FusedMatMul for tfjs's wasm backend, computed by OpenBLAS sgemm (the optional
 * addon) directly on the wasm heap: inputs are read where they lie, the output is allocated with
 * the backend's makeOutput and written in place. Transposes, batches and broadcast batches all go
 * to sgemm (the stock wasm kernel is fast only for a plain 2-D product and runs on one thread).
 *
 * Whatever these kernels do not handle — a non-float32 dtype, an empty tensor, an activation or
 * bias shape outside the list below, an invalid shape — goes to the stock kernel unchanged.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './native.js';
import { planMatMul } from './matmul-plan.js';
import { heapBuffer, heapOffset, isWasmBackendLike, type WasmBackendLike } from './wasm-heap.js';

/** Activation codes understood by the addon's fused epilogue. */
export const FUSED_ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, prelu: 5 };

type KernelArgs = Parameters<KernelFunc>[0];

interface Epilogue {
  bias: TensorInfo | null;
  act: number;
  alpha: number;
  /** prelu's negative slopes (act 5). */
  prelu?: TensorInfo | null;
}

/** Is `t` one float32 N-vector applied to every output row (shape [N], [1, N], ...)? */
function isRowVector(t: TensorInfo, n: number, outRank: number): boolean {
  const s = t.shape;
  const size = s.reduce((p, d) => p * d, 1);
  return t.dtype === 'float32' && size === n && s[s.length - 1] === n && s.length <= outRank;
}

/**
 * Run the product on the addon, or return null (the caller then uses the stock kernel).
 * Exported for tests that call it with a deliberately unsupported case.
 */
export function nativeMatMul(
  addon: BlasAddon,
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epi: Epilogue,
): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
  if (!plan || plan.batch === 0 || plan.m === 0 || plan.n === 0 || plan.k === 0) return null;
  const outRank = plan.outShape.length;
  if (epi.bias && !isRowVector(epi.bias, plan.n, outRank)) return null;
  if (epi.act === 5 && !(epi.prelu && isRowVector(epi.prelu, plan.n, outRank))) return null;
  const out = backend.makeOutput(plan.outShape, 'float32');
  // Offsets are read after makeOutput: allocation can grow the heap, never move a tensor's offset.
  const aBase = heapOffset(backend, a);
  const bBase = heapOffset(backend, b);
  const aBytes = plan.m * plan.k * 4;
  const bBytes = plan.k * plan.n * 4;
  const offsets = new Float64Array(2 * plan.batch);
  for (let i = 0; i < plan.batch; i++) {
    offsets[2 * i] = aBase + plan.aIndex[i] * aBytes;
    offsets[2 * i + 1] = bBase + plan.bIndex[i] * bBytes;
  }
  const biasOff = epi.bias ? heapOffset(backend, epi.bias) : -1;
  addon.gemm(
    heapBuffer(backend),
    plan.batch,
    plan.m,
    plan.n,
    plan.k,
    transposeA ? 1 : 0,
    transposeB ? 1 : 0,
    offsets,
    heapOffset(backend, out),
    biasOff,
    epi.act,
    epi.alpha,
    epi.act === 5 && epi.prelu ? heapOffset(backend, epi.prelu) : -1,
  );
  return out;
}

function attrBool(attrs: NamedAttrMap | undefined, key: string): boolean {
  return Boolean(attrs?.[key]);
}

/** A BatchMatMul kernel for 'wasm' that falls back to `stock` for cases it does not handle. */
export function batchMatMulKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    if (isWasmBackendLike(backend)) {
      const out = nativeMatMul(
        addon,
        backend,
        inputs.a as TensorInfo,
        inputs.b as TensorInfo,
        attrBool(attrs, 'transposeA'),
        attrBool(attrs, 'transposeB'),
        { bias: null, act: 0, alpha: 0 },
      );
      if (out) return out;
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}

/** A _FusedMatMul kernel (bias + linear/relu/relu6/leakyrelu/sigmoid/prelu) with stock fallback. */
export function fusedMatMulKernel(addon: BlasAddon, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const activation = String(attrs?.activation ?? 'linear');
    const act = FUSED_ACTIVATIONS[activation];
    if (isWasmBackendLike(backend) && act !== undefined) {
      const out = nativeMatMul(
        addon,
        backend,
        inputs.a as TensorInfo,
        inputs.b as TensorInfo,
        attrBool(attrs, 'transposeA'),
        attrBool(attrs, 'transposeB'),
        {
          bias: (inputs.bias as TensorInfo | undefined) ?? null,
          act,
          alpha: Number(attrs?.leakyreluAlpha ?? 0.2),
          prelu: (inputs.preluActivationWeights as TensorInfo | undefined) ?? null,
        },
      );
      if (out) return out;
    }
    return stock.kernelFunc(args);
  };
  return { kernelName: stock.kernelName, backendName: stock.backendName, kernelFunc: kernelFunc as KernelFunc };
}
