/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over named variables, with global-norm
 * gradient clipping. The moment estimates are tf.Variables updated in place, and the constant
 * scalars are made once, so a step allocates no lasting tensors. Its state (step count and moments)
 * is exported and restored by checkpoints. Where the workbench's fused kernels are registered
 * (src/kernels/fused.ts) the whole update over every parameter is one native call.
 */
import * as tf from '@tensorflow/tfjs';
import { hasFusedKernels, runKernel } from '../model/layers.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay: number;
}

export class AdamW {
  /** Updates applied so far (the t of the bias corrections). */
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  private readonly b1: number;
  private readonly b2: number;
  private readonly consts: { b1: tf.Scalar; b2: tf.Scalar; c1: tf.Scalar; c2: tf.Scalar; eps: tf.Scalar };

  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly decayed: Set<string>,
    private readonly opts: AdamWOptions,
  ) {
    this.b1 = opts.beta1 ?? 0.9;
    this.b2 = opts.beta2 ?? 0.999;
    for (const [name, p] of params) {
      // tidy disposes the initial zeros; the variables keep their own reference to the data.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
    this.consts = {
      b1: tf.keep(tf.scalar(this.b1)),
      b2: tf.keep(tf.scalar(this.b2)),
      c1: tf.keep(tf.scalar(1 - this.b1)),
      c2: tf.keep(tf.scalar(1 - this.b2)),
      eps: tf.keep(tf.scalar(opts.eps ?? 1e-8)),
    };
  }

  /** Apply one update with learning rate `lr` from gradients keyed by parameter name. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { b1, b2, c1, c2, eps } = this.consts;
    const bc1 = 1 - Math.pow(this.b1, this.step);
    const bc2 = 1 - Math.pow(this.b2, this.step);
    if (hasFusedKernels() && this.applyFused(grads, lr, bc1, bc2)) return;
    tf.tidy(() => {
      const stepSize = tf.scalar(lr / bc1);
      const sqrtBc2 = tf.scalar(Math.sqrt(bc2));
      const decay = tf.scalar(1 - lr * this.opts.weightDecay);
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, c1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), c2));
        m.assign(m1);
        v.assign(v1);
        const denom = tf.add(tf.div(tf.sqrt(v1), sqrtBc2), eps);
        const base = this.decayed.has(name) && this.opts.weightDecay > 0 ? tf.mul(p, decay) : p;
        p.assign(tf.sub(base, tf.mul(stepSize, tf.div(m1, denom))));
      }
    });
  }

  /**
   * The same update as one DmxAdamW kernel call (same float32 arithmetic, element by element);
   * false, having done nothing, when a gradient is not float32 or not the parameter's shape.
   */
  private applyFused(grads: Map<string, tf.Tensor>, lr: number, bc1: number, bc2: number): boolean {
    const names = [...this.params.keys()].filter((n) => grads.has(n));
    const fits = (n: string) => {
      const g = grads.get(n)!;
      const p = this.params.get(n)!;
      return g.dtype === 'float32' && p.dtype === 'float32' && tf.util.arraysEqual(g.shape, p.shape);
    };
    if (!names.every(fits)) return false;
    const wd = this.opts.weightDecay;
    const inputs: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => {
      inputs[`p${i}`] = this.params.get(n)!;
      inputs[`g${i}`] = grads.get(n)!;
      inputs[`m${i}`] = this.m.get(n)!;
      inputs[`v${i}`] = this.v.get(n)!;
    });
    const attrs = {
      count: names.length,
      decay: names.map((n) => (this.decayed.has(n) && wd > 0 ? 1 : 0)),
      b1: this.b1,
      b2: this.b2,
      eps: this.opts.eps ?? 1e-8,
      stepSize: lr / bc1,
      sqrtBc2: Math.sqrt(bc2),
      decayFactor: 1 - lr * wd,
    };
    tf.tidy(() => {
      const out = runKernel<tf.Tensor[]>('DmxAdamW', inputs, attrs);
      names.forEach((n, i) => {
        this.params.get(n)!.assign(out[3 * i]);
        this.m.get(n)!.assign(out[3 * i + 1]);
        this.v.get(n)!.assign(out[3 * i + 2]);
      });
    });
    return true;
  }

  /** Moments in a fixed order (for checkpoints). */
  stateTensors(): { name: string; tensor: tf.Tensor }[] {
    const out: { name: string; tensor: tf.Tensor }[] = [];
    for (const name of this.params.keys()) out.push({ name: `adam.m/${name}`, tensor: this.m.get(name)! }, { name: `adam.v/${name}`, tensor: this.v.get(name)! });
    return out;
  }

  /** Restore moments saved by stateTensors (values by the same names) and the step count. */
  restore(step: number, values: Map<string, Float32Array>): void {
    this.step = step;
    for (const [name, p] of this.params) {
      for (const [key, store] of [['m', this.m], ['v', this.v]] as const) {
        const arr = values.get(`adam.${key}/${name}`);
        if (!arr) throw new Error(`optimizer state: no adam.${key}/${name} in the checkpoint`);
        if (arr.length !== p.size) throw new Error(`optimizer state: adam.${key}/${name} has ${arr.length} values, expected ${p.size}`);
        store.get(name)!.assign(tf.tensor(arr, p.shape));
      }
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    tf.dispose(Object.values(this.consts));
  }
}

/**
 * Global gradient norm (one host read: the caller needs it for the NaN guard and the log) and
 * the gradients scaled by min(1, maxNorm / norm) (maxNorm 0: no clipping). Disposes the inputs
 * it replaces.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grads, norm };
  const scale = maxNorm / norm;
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    out.set(k, tf.tidy(() => tf.mul(g, scale)));
    g.dispose();
  }
  return { grads: out, norm };
}
