/**
 * Where a run's files live — the one module that names them. The main job writes here, every
 * command's defaults read from here, and every notebook loads the job's cohort, benchmark and
 * checkpoints from here, so a notebook shows the models `npm start` trained.
 *
 *   <run>/config.json, summary.json          the resolved config; per-step times and headline metrics
 *   <run>/steps/<step>/step.json           a finished job step (its input hash and summary)
 *   <run>/steps/cohort/data/                studies.jsonl, images/, splits.json,
 *                                            instructions-{train,val}.jsonl, xraybench.jsonl
 *   <run>/steps/synthesis/{synthesis,synthesis-val}/   samples, verdicts, filter table, coldstart.jsonl
 *   <run>/steps/<stage1|stage2|stage3>/model/           the checkpoint (+ run.jsonl, steps.jsonl, …)
 *   <run>/steps/<stage1|stage2|stage3>/predictions.jsonl the benchmark's greedy predictions
 *   <run>/steps/evaluate/, steps/arena/    scores, battles, ranking
 *   <run>/studies/<name>/                    `deepmedix study` runs
 *   <run>/cli/<name>/                        outputs of stand-alone commands (`train`, …)
 *   <run>/notebooks/<name>/                  what a notebook runs beyond the job (variants, probes)
 *
 * <run> is `<paths.data>/runs/<profile>` unless a command's --out names another directory.
 */
import { join } from 'node:path';
import type { Config } from './config.js';

/** The three trained stages of the paper, as the job names their directories. */
export const TRAINED_STAGES = ['stage1', 'stage2', 'stage3'] as const;
export type TrainedStage = (typeof TRAINED_STAGES)[number];

export interface RunLayout {
  /** The run directory. */
  root: string;
  /** The resolved config of the run. */
  config: string;
  /** Per-step times and headline metrics of the last `deepmedix run`. */
  summary: string;
  /** A job step's directory (it holds `step.json` once the step finished). */
  step(id: string): string;
  /** The cohort with its datasets; image paths in its JSONL files are relative to it. */
  cohort: string;
  /** The XrayBench-shaped benchmark (instruction records). */
  benchmark: string;
  instructions(split: 'train' | 'val'): string;
  /** The kept reasoning samples of the training split (the cold-start set) and of the validation split. */
  coldstartSet(split: 'train' | 'val'): string;
  /** Where a synthesis writes (samples, verdicts, filter table, cache). */
  synthesis(split: 'train' | 'val'): string;
  /** A trained stage's checkpoint directory. */
  model(stage: TrainedStage): string;
  /** A trained stage's greedy predictions on the benchmark ({id, text} JSONL). */
  predictions(stage: TrainedStage): string;
  /** `deepmedix study` output of that name. */
  study(name: string): string;
  /** Default output directory of a stand-alone command (e.g. `train-grpo`). */
  cli(name: string): string;
  /** Where a notebook writes what it runs beyond the job (e.g. `02-simulated-errors`). */
  notebook(name: string): string;
}

/** The layout of the run in `root`. */
export function layoutAt(root: string): RunLayout {
  const step = (id: string) => join(root, 'steps', id);
  const cohort = join(step('cohort'), 'data');
  const synthesis = (split: 'train' | 'val') => join(step('synthesis'), split === 'train' ? 'synthesis' : 'synthesis-val');
  return {
    root,
    config: join(root, 'config.json'),
    summary: join(root, 'summary.json'),
    step,
    cohort,
    benchmark: join(cohort, 'xraybench.jsonl'),
    instructions: (split) => join(cohort, `instructions-${split}.jsonl`),
    synthesis,
    coldstartSet: (split) => join(synthesis(split), 'coldstart.jsonl'),
    model: (stage) => join(step(stage), 'model'),
    predictions: (stage) => join(step(stage), 'predictions.jsonl'),
    study: (name) => join(root, 'studies', name),
    cli: (name) => join(root, 'cli', name),
    notebook: (name) => join(root, 'notebooks', name),
  };
}

/** The default run directory of a config's profile: `<paths.data>/runs/<profile>`. */
export function defaultRunDir(config: Pick<Config, 'paths' | 'profile'>): string {
  return join(config.paths.data, 'runs', config.profile);
}

/** The layout of a config's run: `out` when given, else the profile's default run directory. */
export function runLayout(config: Pick<Config, 'paths' | 'profile'>, out?: string): RunLayout {
  return layoutAt(out ?? defaultRunDir(config));
}
