/**
 * The JSONL run log of a training stage: one `step` row per optimizer step, one `eval` row per
 * evaluation, `info` rows for events. Append-only; on resume the rows after the checkpoint's step
 * (written by the interrupted run after its last save) are dropped so the log reads as one run.
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
  constructor(
    readonly path: string,
    resumeAtStep?: number,
  ) {
    if (resumeAtStep !== undefined && existsSync(path)) {
      const rows = readJsonl<RunLogRow>(path, { repairTornTail: true });
      writeJsonl(
        path,
        rows.filter((r) => r.step <= resumeAtStep),
      );
    }
  }

  append(row: RunLogRow): void {
    appendJsonl(this.path, row);
  }

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
