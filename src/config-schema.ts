/**
 * The shape of the workbench configuration: every section and key with what it means and why its
 * default (the defaults and profiles are src/config.ts; the ranges and choices src/config-checks.ts).
 */

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

/** A config key that does not exist, a value of the wrong type or outside its range. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every dotted leaf key of a config object. */
export function allKeys(obj: unknown, prefix = ''): string[] {
  if (!isPlainObject(obj)) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => allKeys(v, prefix ? `${prefix}.${k}` : k));
}
