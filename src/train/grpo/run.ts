/**
 * Stage 3 as a run: start from a checkpoint (the cold-start model), train with GRPO for
 * `grpo.steps` steps with progress, log every step to `steps.jsonl`, checkpoint atomically in the
 * workbench's format (so `loadModel(out)` gives DeepMedix-R1-mini to evaluation), and resume
 * exactly (weights, AdamW moments, random streams, data cursor) when `out` already holds a GRPO
 * checkpoint.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeResolvedConfig, type Config } from '../../config.js';
import { hasCheckpoint, loadModel, loadWeightsInto, readCheckpoint, saveCheckpoint } from '../../model/checkpoint.js';
import type { VisionLanguageModel } from '../../model/vlm.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import { appendJsonl, atomicWrite, readJsonl } from '../../util/fsx.js';
import { Progress } from '../../util/progress.js';
import { GrpoTrainer, rlSeed, type GrpoState, type GrpoStepLog, type GrpoTrainerOptions } from './trainer.js';
import { frozenCopy, VlmPolicy, type GrpoPrompt } from './policy.js';
import { GRPO_VALIDATION_LOG, validateGrpo, type GrpoValidationLog } from './validation.js';

export const GRPO_LOG = 'steps.jsonl';

export interface GrpoRunOptions {
  config: Config;
  /** Output directory: checkpoint.bin (+ tokenizer.json, model.json), steps.jsonl, config.json. */
  out: string;
  /** The RL prompts (with ground-truth answers). */
  data: readonly GrpoPrompt[];
  /** Checkpoint GRPO starts from (the cold-start model); also the frozen reference π_ref. */
  init?: string;
  /** Or: start from a model in memory (its current weights become π_ref). */
  model?: { model: VisionLanguageModel; tokenizer: Tokenizer };
  /** Continue from the GRPO checkpoint in `out` when there is one (default true). */
  resume?: boolean;
  /** Stop after this many steps in total (default config.grpo.steps). */
  steps?: number;
  /** Checkpoint every this many steps (default 10; the end is always saved). */
  checkpointEvery?: number;
  trainer?: GrpoTrainerOptions;
  /**
   * Held-out prompts scored by greedy decoding at step 0, every `every` steps and at the end
   * (`validation.jsonl`); none: no probe.
   */
  validation?: { prompts: readonly GrpoPrompt[]; every: number };
  /** Called after every step (live curves in a notebook). */
  onStep?: (log: GrpoStepLog, trainer: GrpoTrainer) => void;
  /** Called after every validation probe. */
  onValidation?: (log: GrpoValidationLog) => void;
  quiet?: boolean;
}

export interface GrpoRunResult {
  model: VisionLanguageModel;
  tokenizer: Tokenizer;
  logs: GrpoStepLog[];
  /** The validation probe's logs (empty without a probe). */
  validation: GrpoValidationLog[];
  /** The caller disposes: model, reference (when kept) and trainer. */
  dispose(): void;
}

function starting(o: GrpoRunOptions): { model: VisionLanguageModel; tokenizer: Tokenizer; reference: VisionLanguageModel | null } {
  const needRef = o.config.grpo.beta > 0;
  if (o.init) {
    const { model, tokenizer } = loadModel(o.init);
    const reference = needRef ? loadModel(o.init).model : null;
    return { model, tokenizer, reference };
  }
  if (!o.model) throw new Error('grpo: give a starting checkpoint (init) or a model');
  const { model, tokenizer } = o.model;
  return { model, tokenizer, reference: needRef ? frozenCopy(model) : null };
}

/** Run (or resume) stage 3. */
export async function runGrpo(o: GrpoRunOptions): Promise<GrpoRunResult> {
  const { config, out } = o;
  mkdirSync(out, { recursive: true });
  writeResolvedConfig(config, out);
  const steps = o.steps ?? config.grpo.steps;
  const { model, tokenizer, reference } = starting(o);
  const trainer = new GrpoTrainer(
    new VlmPolicy(model, tokenizer, undefined, config.model.boxGrammar),
    reference ? new VlmPolicy(reference, tokenizer, undefined, config.model.boxGrammar) : null,
    o.data,
    config.grpo,
    config.reward,
    { seed: rlSeed(config), ...o.trainer },
  );
  const logPath = join(out, GRPO_LOG);
  const valPath = join(out, GRPO_VALIDATION_LOG);
  let logs: GrpoStepLog[] = [];
  let validation: GrpoValidationLog[] = [];
  const ck = (o.resume ?? true) && hasCheckpoint(out) ? readCheckpoint(out) : null;
  if (ck && ck.header.state.stage === 'grpo') {
    loadWeightsInto(model, ck);
    const state = ck.header.state as unknown as GrpoState & { stage: string };
    trainer.optimizer.restore(state.optimizerStep, ck.values);
    trainer.setState(state);
    // A reference is the starting model, not the checkpoint: it came from `init` above.
    logs = existsSync(logPath) ? readJsonl<GrpoStepLog>(logPath, { repairTornTail: true }).filter((l) => l.step <= state.step) : [];
    atomicWrite(logPath, logs.map((l) => JSON.stringify(l) + '\n').join(''));
    validation = existsSync(valPath) ? readJsonl<GrpoValidationLog>(valPath, { repairTornTail: true }).filter((l) => l.step <= state.step) : [];
    atomicWrite(valPath, validation.map((l) => JSON.stringify(l) + '\n').join(''));
  } else {
    atomicWrite(logPath, '');
    atomicWrite(valPath, '');
  }
  const probe = () => {
    if (!o.validation || o.validation.prompts.length === 0 || validation.some((v) => v.step === trainer.step)) return;
    const v = validateGrpo(trainer.policy, o.validation.prompts, config.reward, { step: trainer.step, maxNewTokens: config.grpo.maxNewTokens });
    appendJsonl(valPath, v);
    validation.push(v);
    o.onValidation?.(v);
  };
  probe();
  const save = () => saveCheckpoint(out, { model, tokenizer, config, state: { stage: 'grpo', ...trainer.getState() }, extra: trainer.optimizer.stateTensors() });
  const progress = new Progress({ label: 'GRPO', total: steps, quiet: o.quiet });
  progress.tick(trainer.step);
  const every = o.checkpointEvery ?? 10;
  while (trainer.step < steps) {
    const log = trainer.trainStep();
    appendJsonl(logPath, log);
    logs.push(log);
    o.onStep?.(log, trainer);
    progress.tick(1, `r ${log.reward.total.mean.toFixed(3)} kl ${log.kl === null ? '-' : log.kl.toFixed(4)} clip ${log.clipFraction.toFixed(3)} len ${log.responseLength.mean.toFixed(1)}`);
    const vEvery = o.validation?.every ?? 0;
    if (vEvery > 0 && trainer.step % vEvery === 0) probe();
    if (every > 0 && trainer.step % every === 0 && trainer.step < steps) save();
  }
  probe();
  save();
  progress.finish();
  return {
    model,
    tokenizer,
    logs,
    validation,
    dispose() {
      trainer.dispose();
      reference?.dispose();
      model.dispose();
    },
  };
}

