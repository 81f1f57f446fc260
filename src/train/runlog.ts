/**
 * The JSONL run log of a training stage: one `step` row per optimizer step, one `eval` row per
 * evaluation, `info` rows for events. Append-only; on resume the rows after the checkpoint's step
 * (written by the interrupted run after its last save) are dropped, and a run from scratch starts
 * a new log, so the log reads as one run.
 */
import { existsSync } from 'node:fs';
import { appendJsonl, readJsonl, writeJsonl } from '../util/fsx.js';

export interface StepRow {
  kind: 'step';
  stage: string;
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  seconds: number;
}

export interface EvalSample {
  id: string;
  task: string;
  prompt: string;
  truth: string;
  output: string;
}

export interface EvalRow {
  kind: 'eval';
  stage: string;
  step: number;
  epoch: number;
  valLoss: number;
  valTokens: number;
  samples: EvalSample[];
}

export interface InfoRow {
  kind: 'info';
  stage: string;
  step: number;
  message: string;
  [key: string]: unknown;
}

export type RunLogRow = StepRow | EvalRow | InfoRow;

export class RunLog {
  /**
   * Open a run log for appending. `resumeAtStep` given (a resumed run): the rows after that step,
   * written by the interrupted run after its last checkpoint, are dropped. Absent (a run from
   * scratch): the log starts empty, so a restart before the first checkpoint does not repeat steps.
   * Either way a torn last line is gone before the first append.
   */
  constructor(
    readonly path: string,
    resumeAtStep?: number,
  ) {
    if (resumeAtStep === undefined) writeJsonl(path, []);
    else if (existsSync(path)) writeJsonl(path, RunLog.read(path).filter((r) => r.step <= resumeAtStep));
  }

  append(row: RunLogRow): void {
    appendJsonl(this.path, row);
  }

  /** The rows of a log; a torn last line (a killed writer) is dropped, a malformed line elsewhere is an error naming it. */
  static read(path: string): RunLogRow[] {
    return readJsonl<RunLogRow>(path, { repairTornTail: true });
  }
}

/** About `lines` step lines spread over the run, then every evaluation: a run log as text. */
export function runLogLines(rows: readonly RunLogRow[], lines = 12): string[] {
  const steps = rows.filter((r): r is StepRow => r.kind === 'step');
  const every = Math.max(1, Math.round(steps.length / lines));
  return [
    ...steps.filter((r) => r.step % every === 0).map((r) => `step ${r.step}: loss ${r.loss.toFixed(3)}, lr ${r.lr.toExponential(2)}, ${r.tokensPerSec.toFixed(0)} tokens/s`),
    ...rows.filter((r): r is EvalRow => r.kind === 'eval').map((r) => `validation loss ${r.valLoss.toFixed(3)} at step ${r.step}`),
  ];
}
