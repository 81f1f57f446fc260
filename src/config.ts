/**
 * Typed workbench configuration: defaults, named profiles and dotted overrides.
 *
 * Every stage reads its own section. A profile is a partial config laid over the defaults;
 * overrides (`--train.lr=3e-4` on the CLI, or an object in a notebook) are laid over the profile.
 * An unknown key or a value of the wrong type is an error that names the key.
 */
import { join } from 'node:path';
import { writeJson } from './util/fsx.js';

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
    /** Fraction of the test set that is VQA (assumed 0.5: the reference gives no per-split VQA sizes). */
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
    /** Policy updates per batch (reusing the old log-probs). */
    mu: number;
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
  cohort: { n: 4000, frame: 512, normalFraction: 0.3 },
  benchmark: { testStudies: 400, valStudies: 200, vqaPerStudy: 2, total: 1200, vqaShare: 0.5 },
  model: { imageSize: 64, patchSize: 16, mergePatches: 1, dModel: 128, nLayers: 2, encoderLayers: 1, nHeads: 4, dFf: 512, maxLen: 160, vocabSize: 1400, coordBins: 512, overflow: 'truncate', boxGrammar: true },
  sft: { epochs: 1, batchSize: 32, lr: 2e-3, warmupSteps: 30, minLrFrac: 0.05, weightDecay: 0.01, clipNorm: 1.0, evalEvery: 200, valItems: 256, evalSamples: 3, saveEvery: 200, maxItems: 0, lengthBucket: 8 },
  // lr chosen on the cold-start validation loss of the miniature (1.12 after 5 epochs at 1e-3 vs 2.27 after 2 at 3e-4).
  // Epochs and samples measured in the main job on the default cohort (same stage 1; weighted report average / VQA
  // accuracy, stage 2 -> stage 3; stage 1 0.181 / 0.604): 5 epochs × 1000 samples 0.166/0.544 -> 0.162/0.554;
  // 10 × 1000 0.185/0.542 -> 0.184/0.540; 5 × 2000 0.148/0.558 -> 0.175/0.562; 10 × 2000 0.216/0.556 -> 0.212/0.560.
  // Lower lr under-trains the format (3e-4: 0.151/0.390; 1e-4: VQA 0), 2e-3 is worse (0.154/0.538).
  // VQA weight 2 with question types taking turns, 2,500 samples (stage 2 from the main job's stage 1 scoring
  // 0.199/0.601, box grammar on): 0.247/0.606 vs 0.247/0.580 for weight 1 × 2,000 (old, untyped selection).
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
    // No setting made stage 3 reliably beat the cold start (0.264/0.636 on 1,200 validation items,
    // 0.247/0.606 on the benchmark); means over seeds, validation | benchmark (notebook 05, #6 note):
    // these defaults (T = 1, seeds 7-10) 0.253/0.643 | 0.243/0.606; temperature 0.7 (seeds 7-12)
    // 0.262/0.638 | 0.260/0.603; temperature 0.4 (seeds 7-10) 0.273/0.628 | 0.267/0.599 (reports
    // up in every seed, VQA not; beta 0.3 or 1 did not hold VQA); 120 steps, 8 prompts per step,
    // top-p 0.9, more VQA prompts, decoder-only updates (freezeVision, T = 0.4: 0.255/0.629 | 0.256/0.598):
    // no better; mu = 4: 0.220/0.600; lr 1e-4 lost report text; lr 1e-5
    // over 240 steps (seed 7) 0.253/0.644 | 0.236/0.595. The cold start's greedy VQA answers beat the
    // majority of its own 8 samples at T = 1 and are within 0.02 of it at 0.4 (samplingHeadroom).
    lr: 3e-5,
    temperature: 1.0,
    topP: 1.0,
    // 128 reaches the context (model.maxLen 160 less the prompt). At 96, 8% of the samples were cut
    // before their \boxed{} answer and scored 0, and GRPO learned to write shorter reports: main job
    // stage 2 -> 3 report average 0.247 -> 0.216 (VQA 0.606 -> 0.612); at 128: 0.260 and 0.240
    // (seeds 7, 8; VQA 0.593, 0.610).
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
    benchmark: { testStudies: 24, valStudies: 12, vqaPerStudy: 1, total: 60 },
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
    benchmark: { testStudies: 4000, valStudies: 500, vqaPerStudy: 3, total: 14200 },
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
  return config;
}

/** Parse `--a.b=v` / `--a.b v` flags into dotted overrides; other args are returned as rest. */
export function parseOverrideFlags(args: string[], reserved: string[] = []): { overrides: Record<string, string>; rest: string[] } {
  const overrides: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^--([A-Za-z][\w-]*(?:\.[\w-]+)+)(?:=(.*))?$/s.exec(a);
    if (m && !reserved.includes(m[1])) {
      let value = m[2];
      if (value === undefined) {
        if (i + 1 >= args.length) throw new ConfigError(`override --${m[1]} needs a value (--${m[1]}=VALUE)`);
        value = args[++i];
      }
      overrides[m[1]] = value;
    } else rest.push(a);
  }
  return { overrides, rest };
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
