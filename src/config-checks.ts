/**
 * What a resolved config may hold: the choices of the enumerated string keys, the range of every
 * numeric key (a test walks DEFAULTS to make sure each has one), and the keys that constrain each
 * other. Checked by resolveConfig before any work, with an error naming the key and its range.
 */
import { allKeys, ConfigError, PROFILES, type Config } from './config-schema.js';
import { above, describeRange, inRange, int, real, type Range } from './util/ranges.js';

/** Allowed values of enumerated string keys (dotted path -> choices). */
export const CHOICES: Record<string, readonly string[]> = {
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
    if (!r) throw new ConfigError(`config key '${key}' has no range (a bug: add it to RANGES in src/config-checks.ts)`);
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
