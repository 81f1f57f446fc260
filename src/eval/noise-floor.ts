/**
 * The noise floor of a benchmark score: how far the scores of a model move when its weights get a
 * tiny random perturbation that no training run would call a change. Greedy decoding of long
 * outputs is sensitive: one flipped argmax early in a report changes every token after it, so even
 * N(0, σ = 1e-3) noise on every weight moves a report average or a VQA accuracy. A difference
 * between two models (stage 3 − stage 2) no larger than these moves is not evidence that training
 * changed anything.
 *
 * The scoring is passed in (e.g. the job's `headline` of the harness's `evaluatePairs`), so this
 * module depends on the model and the predictor only.
 */
import * as tf from '@tensorflow/tfjs';
import type { InstructionRecord } from '../data/types.js';
import type { VisionLanguageModel } from '../model/vlm.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { Rng } from '../util/rng.js';
import { frozenCopy } from '../train/grpo/policy.js';
import { predictRecords, type Prediction, type PredictOptions } from './predict.js';

/** Named scores of one set of predictions (null: the measure does not apply, e.g. no VQA items). */
export type Scores<M extends string> = Record<M, number | null>;

/** The spread of one measure over the perturbed copies. */
export interface NoiseBand {
  /** Perturbed copies scored. */
  n: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null for a single copy. */
  sd: number | null;
  /** max over copies of |perturbed score − unperturbed score|: the half-width of the band around the unperturbed score. */
  maxDeviation: number;
}

/**
 * The band of one measure: min, max, mean and sd of the perturbed scores, and their largest
 * distance from the unperturbed score.
 */
export function noiseBand(unperturbed: number, perturbed: readonly number[]): NoiseBand {
  if (perturbed.length === 0) throw new Error('noiseBand: no perturbed scores');
  const n = perturbed.length;
  const mean = perturbed.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(perturbed.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : null;
  return { n, min: Math.min(...perturbed), max: Math.max(...perturbed), mean, sd, maxDeviation: Math.max(...perturbed.map((x) => Math.abs(x - unperturbed))) };
}

/**
 * Whether an observed difference between two models (delta = score of B − score of A, A the model
 * whose noise floor was measured) lies outside A's band: |delta| > band.maxDeviation, strictly.
 * A difference no larger than the largest move that weight noise alone produced is inside the band
 * (not evidence). Outside the band is a necessary condition for a real gain, not a proof: the band
 * of a few seeds underestimates the full spread.
 */
export function beyondNoise(delta: number, band: NoiseBand): boolean {
  return Math.abs(delta) > band.maxDeviation;
}

/**
 * A copy of `model` whose every weight w becomes w + ε, ε ~ N(0, σ) independently per element.
 * Deterministic per seed: parameter `name` draws from its own stream Rng.derive(seed,
 * `noise-floor:name`), so equal-shaped parameters get different noise and the result does not
 * depend on parameter order. The caller's model is not touched; the caller disposes the copy.
 */
export function perturbedCopy(model: VisionLanguageModel, sigma: number, seed: number): VisionLanguageModel {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`perturbedCopy: sigma must be a finite number ≥ 0 (got ${sigma})`);
  const copy = frozenCopy(model);
  try {
    for (const [name, v] of copy.params) {
      const rng = Rng.derive(seed, `noise-floor:${name}`);
      const noise = new Float32Array(v.size);
      for (let i = 0; i < noise.length; i++) noise[i] = rng.normal(0, sigma);
      tf.tidy(() => v.assign(tf.add(v, tf.tensor(noise, v.shape))));
    }
  } catch (e) {
    copy.dispose();
    throw e;
  }
  return copy;
}

export interface NoiseFloorOptions<M extends string> extends Omit<PredictOptions, 'onBatch'> {
  /** Standard deviation of the weight noise. */
  sigma: number;
  /** One perturbed copy per seed. */
  seeds: readonly number[];
  /** Scores of a full set of predictions (one per record, in record order). */
  score: (predictions: Prediction[]) => Scores<M>;
}

export interface PerturbedRun<M extends string> {
  seed: number;
  scores: Scores<M>;
  predictions: Prediction[];
  /** Records whose greedy output differs from the unperturbed model's. */
  changed: number;
}

export interface NoiseFloor<M extends string> {
  sigma: number;
  unperturbed: { scores: Scores<M>; predictions: Prediction[] };
  perturbed: PerturbedRun<M>[];
  /** Per measure; null where the unperturbed or any perturbed score is null. */
  band: Record<M, NoiseBand | null>;
}

/**
 * Greedy predictions of the model as it is and of one perturbed copy per seed on the same records
 * (asked exactly as the caller passes them: add the stage's format instruction before), each scored
 * by `score`, and the band of every measure.
 */
export async function noiseFloor<M extends string>(model: VisionLanguageModel, tokenizer: Tokenizer, records: readonly InstructionRecord[], o: NoiseFloorOptions<M>): Promise<NoiseFloor<M>> {
  if (o.seeds.length === 0) throw new Error('noiseFloor: give at least one seed');
  const { sigma, seeds, score, ...predict } = o;
  const base = await predictRecords(model, tokenizer, records, predict);
  const unperturbed = { scores: score(base), predictions: base };
  const perturbed: PerturbedRun<M>[] = [];
  for (const seed of seeds) {
    const copy = perturbedCopy(model, sigma, seed);
    try {
      const predictions = await predictRecords(copy, tokenizer, records, predict);
      const changed = predictions.filter((p, i) => p.text !== base[i].text).length;
      perturbed.push({ seed, scores: score(predictions), predictions, changed });
    } finally {
      copy.dispose();
    }
  }
  const band = {} as Record<M, NoiseBand | null>;
  for (const m of Object.keys(unperturbed.scores) as M[]) {
    const at = unperturbed.scores[m];
    const values = perturbed.map((p) => p.scores[m]);
    band[m] = at === null || values.some((v) => v === null) ? null : noiseBand(at, values as number[]);
  }
  return { sigma, unperturbed, perturbed, band };
}

/**
 * One Markdown table: per measure, the unperturbed score, the perturbed scores, the band, the
 * difference of another model's score from the unperturbed one (e.g. stage 3 − stage 2, the other
 * model scored on the same records with the same function) and whether it lies beyond the band.
 */
export function noiseFloorMarkdown<M extends string>(floor: NoiseFloor<M>, other: { name: string; scores: Scores<M> }): string {
  const f = (v: number | null) => (v === null ? '–' : v.toFixed(4));
  const lines = [
    `| measure | unperturbed | perturbed (σ = ${floor.sigma}, seeds ${floor.perturbed.map((p) => p.seed).join(', ')}) | mean ± sd | max deviation | ${other.name} − unperturbed | beyond the band |`,
    '|---|---:|---|---:|---:|---:|---|',
  ];
  for (const m of Object.keys(floor.band) as M[]) {
    const b = floor.band[m];
    const at = floor.unperturbed.scores[m];
    const o = other.scores[m];
    const d = at === null || o === null ? null : o - at;
    const verdict = b === null || d === null ? '–' : beyondNoise(d, b) ? 'yes' : 'no';
    lines.push(
      `| ${m} | ${f(at)} | ${floor.perturbed.map((p) => f(p.scores[m])).join(', ')} | ` +
        `${b ? `${f(b.mean)} ± ${f(b.sd)}` : '–'} | ${b ? f(b.maxDeviation) : '–'} | ${d === null ? '–' : (d >= 0 ? '+' : '') + d.toFixed(4)} | ${verdict} |`,
    );
  }
  const changed = floor.perturbed.map((p) => `${p.changed}/${p.predictions.length}`).join(', ');
  lines.push('', `Outputs changed by the noise (per seed): ${changed}.`);
  return lines.join('\n');
}

/**
 * Root-mean-square difference of two models' weights over all their elements,
 * sqrt(Σ (a − b)² / N): puts σ beside how far training actually moved the weights.
 */
export function rmsWeightDistance(a: VisionLanguageModel, b: VisionLanguageModel): number {
  let sum = 0;
  let n = 0;
  for (const [name, v] of a.params) {
    const w = b.params.get(name);
    if (!w || w.shape.join('x') !== v.shape.join('x')) throw new Error(`rmsWeightDistance: the models differ at parameter '${name}'`);
    sum += tf.tidy(() => tf.sum(tf.square(tf.sub(v, w))).dataSync()[0]);
    n += v.size;
  }
  if (b.params.size !== a.params.size) throw new Error('rmsWeightDistance: the models have different parameters');
  return Math.sqrt(sum / n);
}
