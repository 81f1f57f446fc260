/**
 * Typed workbench configuration: defaults, named profiles and dotted overrides.
 *
 * Every stage reads its own section. A profile is a partial config laid over the defaults;
 * overrides (`--train.lr=3e-4` on the CLI, or an object in a notebook) are laid over the profile.
 * An unknown key or a value of the wrong type is an error that names the key.
 */
import { join } from 'node:path';
import { writeJson } from './util/fsx.js';
import { above, describeRange, inRange, int, real, type Range } from './util/ranges.js';

export const PROFILES = ['smoke', 'default', 'paper'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface Config {
  profile: ProfileName;
  /** Master seed; each stage derives its own stream from it. */
  seed: number;
  paths: {
    /** Generated cohorts, caches, runs, checkpoints. */
    data: string;
    /** Exported figures and tables. */
    figures: string;
    /** Read-only shared data (real report text, NIH images, phrase lists). */
    shared: string;
  };
  cohort: {
    /** Number of synthetic studies rendered. */
    n: number;
    /** Side of the square frame the boxes live in (the paper's bound). */
    frame: number;
    /** Fraction of studies with no finding. */
    normalFraction: number;
    /**
     * Not in the paper: the VQA sets (training, validation, benchmark) also ask questions whose answer
     * follows from the located findings — a count in one lung, a comparison of the two lungs, a size
     * against a threshold, the finding in a zone (src/data/grounded-questions.ts). Off: the sets are
     * those of before the option, byte for byte.
     */
    groundedVqa: boolean;
  };
  benchmark: {
    /** Studies held out for the XrayBench-shaped test set. */
    testStudies: number;
    /** Studies held out for validation. */
    valStudies: number;
    /** VQA items per study in the test set. */
    vqaPerStudy: number;
    /** Items in the XrayBench-shaped test set over its six splits (report splits in the paper's proportions). */
    total: number;
    /**
     * Fraction of the test set that is VQA (the reference gives no per-split VQA sizes). The default
     * profile's 1,200 VQA items (and 600 report items) make the paired standard error of a VQA
     * difference over four RL seeds about 0.01 (docs/results.md); closed answers are cheap to decode.
     */
    vqaShare: number;
  };
  model: {
    /** Side of the square image fed to the encoder. */
    imageSize: number;
    patchSize: number;
    /** The projector merges k×k neighbouring patches into one prefix token (2: Qwen2.5-VL's 2×2 merger). */
    mergePatches: number;
    dModel: number;
    /** Decoder blocks. */
    nLayers: number;
    /** Bidirectional image-encoder blocks. */
    encoderLayers: number;
    nHeads: number;
    dFf: number;
    /** Maximum decoder length in tokens (prompt + answer). */
    maxLen: number;
    /** Tokenizer vocabulary requested (specials + 256 bytes + coordBins + BPE merges). */
    vocabSize: number;
    /** Coordinates 0 … coordBins−1 get one token each (a canonical box costs 5 tokens). */
    coordBins: number;
    /** A prompt + answer longer than maxLen: 'truncate' (with a warning) or 'error'. */
    overflow: 'truncate' | 'error';
    /**
     * Decoding constraint, not a weight: sample only id sequences the tokenizer can produce
     * (`<box>` then exactly four coordinates; src/text/box-grammar.ts). Used by evaluation,
     * serving and GRPO (whose log-probs then follow the constrained distribution).
     */
    boxGrammar: boolean;
  };
  sft: {
    epochs: number;
    batchSize: number;
    /** Peak learning rate (AdamW), reached after warmupSteps, then cosine decay. */
    lr: number;
    warmupSteps: number;
    /** The cosine ends at lr × minLrFrac. */
    minLrFrac: number;
    weightDecay: number;
    /** Global gradient-norm clip (0: off). */
    clipNorm: number;
    /** Validation and sampled outputs every this many steps (0: once per epoch). */
    evalEvery: number;
    /** Validation items scored per evaluation (0: all). */
    valItems: number;
    /** Validation outputs sampled (greedy) and logged per evaluation. */
    evalSamples: number;
    /** Checkpoint every this many steps (0: once per epoch); the end of training always saves. */
    saveEvery: number;
    /** Training items used (0: all) — for quick experiments. */
    maxItems: number;
    /** 0: fully mixed random batches; k > 0: sort windows of k batches by length (less padding, batches mix tasks of similar length). */
    lengthBucket: number;
  };
  coldstart: {
    epochs: number;
    batchSize: number;
    lr: number;
    warmupSteps: number;
    /** Number of synthesized reasoning samples before filtering. */
    samples: number;
    /** Items drawn for VQA per item of each other task when choosing what to synthesize (VQA question types take turns). */
    vqaWeight: number;
  };
  synthesis: {
    provider: 'offline' | 'openai';
    baseUrl: string;
    model: string;
    /** Images may be sent to a non-local endpoint only when this is true. */
    allowExternalImages: boolean;
    concurrency: number;
    timeoutMs: number;
    maxRetries: number;
    /** Filter: minimum IoU between a reasoning box and a true finding box. */
    iouThreshold: number;
    /** Filter: 'any' (some true box matched) or 'all' (every true box matched). */
    boxMatch: 'any' | 'all';
    /** Filter: minimum token F1 of a free-text answer against the ground truth. */
    minTextF1: number;
    minChars: number;
    maxChars: number;
    /** Offline synthesizer wording: 'concise' fits the miniature model's context, 'full' reads like an LLM teacher. */
    style: 'full' | 'concise';
    /** Prompt templates file, relative to the project root ('' = src/data/templates/default.json). */
    templates: string;
    /** Ask a judge model (through the chat client) after the rule checks. */
    judge: boolean;
  };
  grpo: {
    steps: number;
    /** Prompts per batch. */
    batchPrompts: number;
    /** G: responses sampled per prompt. */
    groupSize: number;
    clipLow: number;
    clipHigh: number;
    /** KL coefficient; 0 skips the reference pass. */
    beta: number;
    /** Passes over each rollout batch (EasyR1's ppo_epochs), reusing the rollout's log-probs. */
    mu: number;
    /**
     * Optimizer steps per pass: the batch's prompt groups are split into this many mini-batches
     * (EasyR1: rollout_batch_size / global_batch_size, 512 / 128 = 4). Above 1 the ratio π_θ/π_old
     * leaves 1 within a batch and the clip acts; 1 makes each step one policy-gradient update.
     */
    miniBatches: number;
    /** The RL seed: which training prompts RL draws, their order and the sampling streams (0: the master seed). `deepmedix study` varies it. */
    seed: number;
    /**
     * Not in the paper (DAPO's dynamic sampling): groups whose G rewards are all equal teach nothing;
     * drop them and roll out more prompts until the batch holds batchPrompts groups with reward spread,
     * at most maxSampleRounds rollouts a step (then the step trains on what it has).
     */
    dynamicSampling: boolean;
    maxSampleRounds: number;
    /**
     * Not in the paper: before RL, roll out edgeSamples responses of the starting model to each candidate
     * prompt and keep those at the edge of its competence, mean answer score (r_ans / answerScale) in
     * [edgeLow, edgeHigh] and the rewards not all equal; 0 edgeSamples: no filter. edgeCandidates
     * prompts are scored (0: twice the prompts RL needs).
     */
    edgeSamples: number;
    edgeLow: number;
    edgeHigh: number;
    edgeCandidates: number;
    /** AdamW learning rate of the policy updates. */
    lr: number;
    temperature: number;
    topP: number;
    maxNewTokens: number;
    /** Epsilon added to the group reward std. */
    stdEps: number;
    /** Divide advantages by the group's reward std (GRPO); false: r − mean only (Dr. GRPO, TRL scale_rewards=False). */
    scaleRewards: boolean;
    lossAgg: 'token' | 'sequence';
    /**
     * Responses per backward pass of a policy update (0: the whole batch at once). Larger batches run
     * in chunks with their gradients summed — the same update, in bounded memory (on the default
     * model, one pass over 128 responses ran out of wasm memory).
     */
    updateBatch: number;
    /** Validation probe: held-out prompts (from the validation split) whose greedy answers are scored every valEvery steps (0: no probe). */
    valPrompts: number;
    valEvery: number;
    /** RL prompts: items drawn for VQA per item of each other task (VQA question types take turns). */
    vqaWeight: number;
    /**
     * Not in the default recipe: share of the RL prompts that are VQA questions on real NIH radiographs
     * (../shared/data/nih-cxr) of patients outside the benchmark (src/train/grpo/real-prompts.ts). 0: phantoms only.
     */
    realVqaShare: number;
    /**
     * Update only the decoder: the image encoder and projection keep the cold start's weights
     * (EasyR1's worker.actor.model.freeze_vision_tower). Default false, as in the paper's recipe.
     */
    freezeVision: boolean;
  };
  reward: {
    /** λ in r = (1 − λ)·r_ans + λ·r_form + r_coo. */
    lambda: number;
    /** 'cap' (public code), 'floor' (paper's printed formula), 'off'. */
    coordinate: 'cap' | 'floor' | 'off';
    format: boolean;
    /** Free-text answer reward: 'paper-code' (character BLEU, ROUGE-1 stemmed) or 'word'. */
    text: 'paper-code' | 'word';
    /** Image bound for the coordinate reward. */
    bound: number;
    /** Multiplier on the answer score (the public code's 1.5). */
    answerScale: number;
    /** r_coo per in-bound box in the think block. */
    boxReward: number;
    /** r_coo penalty per box with a coordinate above the bound. */
    boxPenalty: number;
    /** r_coo cap ('cap') or floor ('floor'). */
    boxLimit: number;
    /**
     * Not in the paper: weight c of a clinical term in the free-text answer score, (1 − c)·n-gram +
     * c·CheXpert-label F1 (src/rewards/clinical.ts). 0 = the paper's reward.
     */
    clinical: number;
  };
  arena: {
    battles: number;
    sampler: 'active' | 'uniform';
    judge: 'offline' | 'llm';
    bootstrap: number;
    /** ε: uniform share mixed into the active sampler's distribution (src/arena/sampler.ts). */
    uniformMix: number;
    /**
     * Variance the active rule allocates by: 'ipw' (Chatbot Arena's, of the inverse-probability-weighted
     * win estimates) or 'pair' (of each pair's own win rate; fewer battles to a given largest interval
     * width in notebook 07's simulation).
     */
    variance: 'ipw' | 'pair';
    /** Judge retries after a failure before a battle is recorded as skipped. */
    maxRetries: number;
    /** Battles judged concurrently (one sampling distribution per batch). */
    concurrency: number;
  };
}

export const DEFAULTS: Config = {
  profile: 'default',
  seed: 7,
  paths: { data: 'data', figures: 'figures', shared: '../shared' },
  cohort: { n: 4000, frame: 512, normalFraction: 0.3, groundedVqa: false },
  benchmark: { testStudies: 400, valStudies: 200, vqaPerStudy: 2, total: 1800, vqaShare: 0.6667 },
  model: { imageSize: 64, patchSize: 16, mergePatches: 1, dModel: 128, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 512, maxLen: 160, vocabSize: 1400, coordBins: 512, overflow: 'truncate', boxGrammar: true },
  sft: { epochs: 1, batchSize: 32, lr: 2e-3, warmupSteps: 30, minLrFrac: 0.05, weightDecay: 0.01, clipNorm: 1.0, evalEvery: 200, valItems: 256, evalSamples: 3, saveEvery: 200, maxItems: 0, lengthBucket: 8 },
  // lr, epochs, samples and the VQA weight were chosen on the main job's cold-start scores (docs/results.md).
  coldstart: { epochs: 10, batchSize: 16, lr: 1e-3, warmupSteps: 20, samples: 2500, vqaWeight: 2 },
  synthesis: {
    provider: 'offline',
    baseUrl: 'http://127.0.0.1:8000/v1',
    model: 'gpt-4.1',
    allowExternalImages: false,
    concurrency: 4,
    timeoutMs: 60000,
    maxRetries: 4,
    iouThreshold: 0.3,
    boxMatch: 'any',
    minTextF1: 0.5,
    minChars: 40,
    maxChars: 2000,
    style: 'concise',
    templates: 'src/data/templates/compact.json',
    judge: false,
  },
  grpo: {
    steps: 60,
    batchPrompts: 4,
    groupSize: 8,
    clipLow: 0.2,
    clipHigh: 0.2,
    beta: 0.01,
    mu: 1,
    miniBatches: 1,
    seed: 0,
    dynamicSampling: false,
    maxSampleRounds: 4,
    edgeSamples: 0,
    edgeLow: 0,
    edgeHigh: 1,
    edgeCandidates: 0,
    // lr 3e-5: larger rates lost report text; the settings measured are in docs/results.md.
    lr: 3e-5,
    temperature: 1.0,
    topP: 1.0,
    // 128 reaches the context (model.maxLen 160 less the prompt): shorter budgets cut samples before
    // their \boxed{} answer, and GRPO then learns to write shorter reports (docs/results.md).
    maxNewTokens: 128,
    stdEps: 1e-6,
    scaleRewards: true,
    lossAgg: 'token',
    updateBatch: 32,
    valPrompts: 200,
    valEvery: 20,
    vqaWeight: 1,
    realVqaShare: 0,
    freezeVision: false,
  },
  reward: { lambda: 0.1, coordinate: 'cap', format: true, text: 'paper-code', bound: 512, answerScale: 1.5, boxReward: 0.05, boxPenalty: 0.2, boxLimit: 0.15, clinical: 0 },
  arena: { battles: 2000, sampler: 'active', judge: 'offline', bootstrap: 200, uniformMix: 0.3, variance: 'ipw', maxRetries: 2, concurrency: 1 },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Profiles: what each changes relative to the defaults. */
export const PROFILE_OVERRIDES: Record<ProfileName, DeepPartial<Config>> = {
  smoke: {
    profile: 'smoke',
    cohort: { n: 120 },
    benchmark: { testStudies: 24, valStudies: 12, vqaPerStudy: 1, total: 60, vqaShare: 0.5 },
    model: { imageSize: 32, patchSize: 8, mergePatches: 1, dModel: 32, nLayers: 1, encoderLayers: 1, nHeads: 2, dFf: 64, maxLen: 128, vocabSize: 1000 },
    sft: { epochs: 1, batchSize: 16, lr: 3e-3, warmupSteps: 3, valItems: 16, evalSamples: 2 },
    coldstart: { epochs: 1, batchSize: 8, warmupSteps: 2, samples: 60 },
    grpo: { steps: 2, batchPrompts: 2, groupSize: 4, maxNewTokens: 32, valPrompts: 4, valEvery: 1 },
    arena: { battles: 200, bootstrap: 20 },
  },
  default: {},
  paper: {
    profile: 'paper',
    cohort: { n: 20000 },
    benchmark: { testStudies: 4000, valStudies: 500, vqaPerStudy: 3, total: 14200, vqaShare: 0.5 },
    model: { imageSize: 224, patchSize: 16, mergePatches: 2, dModel: 512, nLayers: 8, nHeads: 8, dFf: 2048, maxLen: 512, vocabSize: 4000 },
    sft: { epochs: 3, batchSize: 32, lr: 3e-4, warmupSteps: 500 },
    coldstart: { samples: 3900, epochs: 2, lr: 3e-4 },
    synthesis: { style: 'full', maxChars: 4000, templates: '' },
    grpo: { steps: 500, batchPrompts: 16, groupSize: 5, clipHigh: 0.3, maxNewTokens: 256 },
    arena: { battles: 6000, bootstrap: 1000 },
  },
};

/** Allowed values of enumerated string keys (dotted path -> choices). */
const CHOICES: Record<string, readonly string[]> = {
  profile: PROFILES,
  'model.overflow': ['truncate', 'error'],
  'synthesis.provider': ['offline', 'openai'],
  'synthesis.boxMatch': ['any', 'all'],
  'synthesis.style': ['full', 'concise'],
  'grpo.lossAgg': ['token', 'sequence'],
  'reward.coordinate': ['cap', 'floor', 'off'],
  'reward.text': ['paper-code', 'word'],
  'arena.sampler': ['active', 'uniform'],
  'arena.variance': ['ipw', 'pair'],
  'arena.judge': ['offline', 'llm'],
};

/**
 * The range of every numeric key (src/util/ranges.ts), checked when a config is resolved, before
 * any work. A numeric key missing here fails test/foundation/config-ranges.test.ts.
 */
export const RANGES: Record<string, Range> = {
  seed: int(0),
  'cohort.n': int(1, 10_000_000), 'cohort.frame': int(16, 8192), 'cohort.normalFraction': real(0, 1),
  'benchmark.testStudies': int(1), 'benchmark.valStudies': int(1), 'benchmark.vqaPerStudy': int(0, 100), 'benchmark.total': int(1), 'benchmark.vqaShare': real(0, 1),
  'model.imageSize': int(8, 2048), 'model.patchSize': int(1, 512), 'model.mergePatches': int(1, 16), 'model.dModel': int(2, 16384),
  'model.nLayers': int(1, 256), 'model.encoderLayers': int(0, 256), 'model.nHeads': int(1, 256), 'model.dFf': int(1, 131072),
  'model.maxLen': int(8, 65536), 'model.vocabSize': int(2, 1_000_000), 'model.coordBins': int(1, 65536),
  'sft.epochs': int(1, 10_000), 'sft.batchSize': int(1, 65536), 'sft.lr': above(0, 1), 'sft.warmupSteps': int(0), 'sft.minLrFrac': real(0, 1),
  'sft.weightDecay': real(0, 1), 'sft.clipNorm': real(0, 1e6), 'sft.evalEvery': int(0), 'sft.valItems': int(0), 'sft.evalSamples': int(0, 10_000),
  'sft.saveEvery': int(0), 'sft.maxItems': int(0), 'sft.lengthBucket': int(0, 100_000),
  'coldstart.epochs': int(1, 10_000), 'coldstart.batchSize': int(1, 65536), 'coldstart.lr': above(0, 1), 'coldstart.warmupSteps': int(0),
  'coldstart.samples': int(1), 'coldstart.vqaWeight': int(0, 100),
  'synthesis.concurrency': int(1, 1024), 'synthesis.timeoutMs': int(1, 3_600_000), 'synthesis.maxRetries': int(0, 20), 'synthesis.iouThreshold': real(0, 1),
  'synthesis.minTextF1': real(0, 1), 'synthesis.minChars': int(0), 'synthesis.maxChars': int(1),
  'grpo.steps': int(1), 'grpo.batchPrompts': int(1, 65536), 'grpo.groupSize': int(2, 4096), 'grpo.clipLow': { ...real(0, 1), maxOpen: true }, 'grpo.clipHigh': real(0, 10), 'grpo.miniBatches': int(1, 65536), 'grpo.seed': int(0), 'grpo.maxSampleRounds': int(1, 100),
  'grpo.edgeSamples': int(0, 4096), 'grpo.edgeLow': real(0, 1), 'grpo.edgeHigh': real(0, 1), 'grpo.edgeCandidates': int(0),
  'grpo.beta': real(0, 100), 'grpo.mu': int(1, 1000), 'grpo.lr': above(0, 1), 'grpo.temperature': above(0, 10), 'grpo.topP': above(0, 1),
  'grpo.maxNewTokens': int(1, 65536), 'grpo.stdEps': real(0, 1), 'grpo.updateBatch': int(0), 'grpo.valPrompts': int(0), 'grpo.valEvery': int(0),
  'grpo.vqaWeight': int(0, 100), 'grpo.realVqaShare': real(0, 1),
  'reward.lambda': real(0, 1), 'reward.bound': above(0, 1e6), 'reward.answerScale': real(0, 100), 'reward.boxReward': real(0, 10),
  'reward.boxPenalty': real(0, 10), 'reward.boxLimit': real(0, 10), 'reward.clinical': real(0, 1),
  'arena.battles': int(1, 10_000_000), 'arena.bootstrap': int(0, 1_000_000), 'arena.uniformMix': real(0, 1), 'arena.maxRetries': int(0, 20), 'arena.concurrency': int(1, 1024),
};

/** Check every numeric key against its range and the few keys that constrain each other; the error names the key. */
export function checkRanges(config: Config): void {
  const get = (k: string) => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], config);
  for (const key of allKeys(config)) {
    const v = get(key);
    if (typeof v !== 'number') continue;
    const r = RANGES[key];
    if (!r) throw new ConfigError(`config key '${key}' has no range (a bug: add it to RANGES in src/config.ts)`);
    if (!inRange(v, r)) throw new ConfigError(`config key '${key}' must be ${describeRange(r)}; got ${v}`);
  }
  const m = config.model;
  const pair = (ok: boolean, msg: string) => {
    if (!ok) throw new ConfigError(msg);
  };
  pair(m.imageSize % m.patchSize === 0, `config key 'model.imageSize' (${m.imageSize}) must be a multiple of 'model.patchSize' (${m.patchSize})`);
  pair((m.imageSize / m.patchSize) % m.mergePatches === 0, `config key 'model.mergePatches' (${m.mergePatches}) must divide the patch grid imageSize/patchSize (${m.imageSize / m.patchSize})`);
  pair(m.dModel % m.nHeads === 0, `config key 'model.dModel' (${m.dModel}) must be a multiple of 'model.nHeads' (${m.nHeads})`);
  pair(config.grpo.edgeLow <= config.grpo.edgeHigh, `config keys 'grpo.edgeLow' (${config.grpo.edgeLow}) and 'grpo.edgeHigh' (${config.grpo.edgeHigh}) must bound a band: edgeLow ≤ edgeHigh`);
  pair(config.grpo.miniBatches <= config.grpo.batchPrompts, `config key 'grpo.miniBatches' (${config.grpo.miniBatches}) must not exceed 'grpo.batchPrompts' (${config.grpo.batchPrompts})`);
  pair(config.synthesis.minChars <= config.synthesis.maxChars, `config key 'synthesis.minChars' (${config.synthesis.minChars}) must not exceed 'synthesis.maxChars' (${config.synthesis.maxChars})`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Parse a CLI string into the type of the default value at `key`. */
function coerce(key: string, raw: unknown, like: unknown): unknown {
  const kind = typeof like;
  if (kind === 'number') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) throw new ConfigError(`config key '${key}' expects a number, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(`config key '${key}' expects true or false, got ${JSON.stringify(raw)}`);
  }
  if (kind === 'string') {
    if (typeof raw !== 'string') throw new ConfigError(`config key '${key}' expects a string, got ${JSON.stringify(raw)}`);
    const choices = CHOICES[key];
    if (choices && !choices.includes(raw)) {
      throw new ConfigError(`config key '${key}' must be one of ${choices.join(', ')}; got '${raw}'`);
    }
    return raw;
  }
  throw new ConfigError(`config key '${key}' is a section, not a value; set one of its keys (e.g. ${key}.<name>=…)`);
}

/** Set one dotted key on a config, checking that the key exists and the value has the right type. */
export function setDotted(config: Config, key: string, raw: unknown): void {
  const parts = key.split('.');
  let node: Record<string, unknown> = config as unknown as Record<string, unknown>;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (!isPlainObject(next)) throw new ConfigError(unknownKeyMessage(key, parts.slice(0, i + 1).join('.')));
    node = next;
  }
  const leaf = parts[parts.length - 1];
  if (!(leaf in node)) throw new ConfigError(unknownKeyMessage(key, key));
  node[leaf] = coerce(key, raw, node[leaf]);
}

function unknownKeyMessage(key: string, at: string): string {
  const known = allKeys(DEFAULTS).filter((k) => k.startsWith(at.split('.')[0]));
  const hint = known.length ? ` Known keys here: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}` : '';
  return `unknown config key '${key}'.${hint}`;
}

/** Every dotted leaf key of a config object. */
export function allKeys(obj: unknown, prefix = ''): string[] {
  if (!isPlainObject(obj)) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => allKeys(v, prefix ? `${prefix}.${k}` : k));
}

/** Flatten a nested partial object into dotted pairs. */
function flatten(obj: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    return isPlainObject(v) ? flatten(v, key) : ([[key, v]] as [string, unknown][]);
  });
}

export type Overrides = Record<string, unknown> | DeepPartial<Config>;

/** Whether a checkpoint's config asks for box-grammar decoding (configs saved before the option: the default). */
export function boxGrammarOf(config: { model?: Partial<Config['model']> } | null | undefined): boolean {
  return config?.model?.boxGrammar ?? DEFAULTS.model.boxGrammar;
}

/**
 * Resolve a config: defaults, then the profile, then overrides. Overrides may be dotted
 * (`{ 'sft.lr': '3e-4' }`) or nested (`{ sft: { lr: 3e-4 } }`).
 */
export function resolveConfig(profile: ProfileName | string = 'default', overrides: Overrides = {}): Config {
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new ConfigError(`unknown profile '${profile}'; choose one of ${PROFILES.join(', ')}`);
  }
  const config = clone(DEFAULTS);
  config.profile = profile as ProfileName;
  for (const [k, v] of flatten(PROFILE_OVERRIDES[profile as ProfileName] as Record<string, unknown>)) setDotted(config, k, v);
  for (const [k, v] of flatten(overrides as Record<string, unknown>)) {
    if (k === 'profile') throw new ConfigError(`set the profile with --profile, not as an override`);
    setDotted(config, k, v);
  }
  checkRanges(config);
  return config;
}

/** Write the resolved config as `config.json` in `dir` (atomically: write, then rename). */
export function writeResolvedConfig(config: Config, dir: string): string {
  const path = join(dir, 'config.json');
  writeJson(path, config);
  return path;
}

/** The profile a notebook runs on: DEEPMEDIX_PROFILE (CI sets `smoke`), else `default`. */
export function profileFromEnv(): ProfileName {
  const p = process.env.DEEPMEDIX_PROFILE ?? 'default';
  if (!(PROFILES as readonly string[]).includes(p)) throw new ConfigError(`DEEPMEDIX_PROFILE='${p}' is not a profile; choose one of ${PROFILES.join(', ')}`);
  return p as ProfileName;
}
