/** The architecture of the miniature vision-language model, and its parameter shapes. */
import type { Config } from '../config.js';

export interface ModelSpec {
  /** Tokens in the vocabulary (from the tokenizer, not the config's request). */
  vocabSize: number;
  /** Side of the square greyscale image fed to the encoder. */
  imageSize: number;
  patchSize: number;
  /** The projector merges mergePatches × mergePatches neighbouring patches into one prefix token (as Qwen2.5-VL's patch merger does with 2×2). */
  mergePatches?: number;
  dModel: number;
  /** Decoder blocks. */
  nLayers: number;
  /** Bidirectional encoder blocks over the image patches. */
  encoderLayers: number;
  nHeads: number;
  dFf: number;
  /** Maximum text length in tokens (prompt + answer), not counting the image prefix. */
  maxLen: number;
}

export function specFromConfig(model: Config['model'], vocabSize: number): ModelSpec {
  const spec: ModelSpec = {
    vocabSize,
    imageSize: model.imageSize,
    patchSize: model.patchSize,
    mergePatches: model.mergePatches,
    dModel: model.dModel,
    nLayers: model.nLayers,
    encoderLayers: model.encoderLayers,
    nHeads: model.nHeads,
    dFf: model.dFf,
    maxLen: model.maxLen,
  };
  validateSpec(spec);
  return spec;
}

export function validateSpec(s: ModelSpec): void {
  const bad = (m: string) => {
    throw new Error(`model spec: ${m}`);
  };
  for (const [k, v] of Object.entries(s)) if (!Number.isInteger(v) || v < 0) bad(`${k} must be a non-negative integer, got ${v}`);
  if (s.imageSize % s.patchSize !== 0) bad(`imageSize ${s.imageSize} is not a multiple of patchSize ${s.patchSize}`);
  const m = s.mergePatches ?? 1;
  if (m < 1 || (s.imageSize / s.patchSize) % m !== 0) bad(`the patch grid ${s.imageSize / s.patchSize} is not a multiple of mergePatches ${m}`);
  if (s.dModel % s.nHeads !== 0) bad(`dModel ${s.dModel} is not a multiple of nHeads ${s.nHeads}`);
  if (s.nLayers < 1 || s.dModel < 1 || s.maxLen < 2 || s.vocabSize < 2) bad('nLayers, dModel, maxLen and vocabSize must be positive');
}

/** Image patches the encoder sees. */
export function numPatches(s: ModelSpec): number {
  return (s.imageSize / s.patchSize) ** 2;
}

/** Tokens of the visual prefix the decoder sees (patches after merging). */
export function numPrefix(s: ModelSpec): number {
  return (s.imageSize / s.patchSize / (s.mergePatches ?? 1)) ** 2;
}

/**
 * Image-patch position embeddings start on the scale of the patch features (not the usual 0.02):
 * with tiny position vectors the prefix tokens of a left-sided and a right-sided finding are almost
 * the same set, and the decoder never learns where things are (measured: a left/right toy task stays
 * at chance with 0.02 and is solved with 0.5).
 */
const ENC_POS_STD = 0.5;
export type Init = { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' };

export interface ParamShape {
  name: string;
  shape: number[];
  init: Init;
  /** AdamW applies weight decay to matrices only (not to biases, norms or position tables). */
  decay: boolean;
}

function block(prefix: string, s: ModelSpec, residualStd: number): ParamShape[] {
  const d = s.dModel;
  const n = (std: number): Init => ({ kind: 'normal', std });
  return [
    { name: `${prefix}.ln1.g`, shape: [d], init: { kind: 'ones' }, decay: false },
    { name: `${prefix}.ln1.b`, shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: `${prefix}.attn.wqkv`, shape: [d, 3 * d], init: n(0.02), decay: true },
    { name: `${prefix}.attn.bqkv`, shape: [3 * d], init: { kind: 'zeros' }, decay: false },
    { name: `${prefix}.attn.wo`, shape: [d, d], init: n(residualStd), decay: true },
    { name: `${prefix}.attn.bo`, shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: `${prefix}.ln2.g`, shape: [d], init: { kind: 'ones' }, decay: false },
    { name: `${prefix}.ln2.b`, shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: `${prefix}.mlp.w1`, shape: [d, s.dFf], init: n(0.02), decay: true },
    { name: `${prefix}.mlp.b1`, shape: [s.dFf], init: { kind: 'zeros' }, decay: false },
    { name: `${prefix}.mlp.w2`, shape: [s.dFf, d], init: n(residualStd), decay: true },
    { name: `${prefix}.mlp.b2`, shape: [d], init: { kind: 'zeros' }, decay: false },
  ];
}

/** A spec with every optional field filled in (mergePatches defaults to 1: no merging). */
export function normalizeSpec(s: ModelSpec): Required<ModelSpec> {
  return { ...s, mergePatches: s.mergePatches ?? 1 };
}

/** The image side of the model: the encoder (`enc.*`) and the projection into the decoder (`proj.*`). */
export const isVisionParam = (name: string): boolean => name.startsWith('enc.') || name.startsWith('proj.');

/** Every parameter, in the fixed order checkpoints store them. */
export function paramShapes(s: ModelSpec): ParamShape[] {
  const d = s.dModel;
  const p2 = s.patchSize * s.patchSize;
  const n = (std: number): Init => ({ kind: 'normal', std });
  const encStd = 0.02 / Math.sqrt(2 * Math.max(1, s.encoderLayers));
  const decStd = 0.02 / Math.sqrt(2 * s.nLayers);
  const out: ParamShape[] = [
    { name: 'enc.patch.w', shape: [p2, d], init: n(1 / Math.sqrt(p2)), decay: true },
    { name: 'enc.patch.b', shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: 'enc.pos', shape: [numPatches(s), d], init: n(ENC_POS_STD), decay: false },
  ];
  for (let i = 0; i < s.encoderLayers; i++) out.push(...block(`enc.block${i}`, s, encStd));
  out.push(
    { name: 'enc.ln.g', shape: [d], init: { kind: 'ones' }, decay: false },
    { name: 'enc.ln.b', shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: 'proj.w', shape: [(s.mergePatches ?? 1) ** 2 * d, d], init: n(0.02), decay: true },
    { name: 'proj.b', shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: 'dec.tok', shape: [s.vocabSize, d], init: n(0.02), decay: true },
    { name: 'dec.pos', shape: [s.maxLen, d], init: n(0.02), decay: false },
  );
  for (let i = 0; i < s.nLayers; i++) out.push(...block(`dec.block${i}`, s, decStd));
  out.push(
    { name: 'dec.ln.g', shape: [d], init: { kind: 'ones' }, decay: false },
    { name: 'dec.ln.b', shape: [d], init: { kind: 'zeros' }, decay: false },
    { name: 'head.w', shape: [d, s.vocabSize], init: n(0.02), decay: true },
  );
  return out;
}

export function countParams(s: ModelSpec): number {
  return paramShapes(s).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
}

/** Multiply-accumulates of one forward pass over `tokens` text positions with a `patches` prefix (for FLOP/s reports). */
export function forwardMacs(s: ModelSpec, batch: number, textLen: number): number {
  const d = s.dModel;
  const P = numPatches(s);
  const L = numPrefix(s) + textLen;
  const blockMacs = (n: number, keys: number) => n * (4 * d * d + 2 * d * s.dFf) + 2 * n * keys * d;
  const enc = P * s.patchSize ** 2 * d + s.encoderLayers * blockMacs(P, P) + P * d * d;
  const dec = s.nLayers * blockMacs(L, L) + textLen * d * s.vocabSize;
  return batch * (enc + dec);
}
