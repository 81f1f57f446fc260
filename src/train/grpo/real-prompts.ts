/**
 * Real-radiograph RL prompts (not in the default recipe): VQA questions on the NIH ChestX-ray14
 * sample in ../shared/data/nih-cxr, from patients the benchmark does not use, mixed into the stage-3
 * prompts at `grpo.realVqaShare`. The paper's RL set is real radiographs (MIMIC-CXR); the default
 * cohort's is rendered phantoms only, so the benchmark's NIH items are out of distribution for every
 * stage. Stages 1–2 never see these images: the option asks what RL on real images alone transfers.
 */
import { isAbsolute, join } from 'node:path';
import { buildInstructions } from '../../data/instructions.js';
import { loadNih } from '../../data/loaders/nih.js';
import type { InstructionRecord } from '../../data/types.js';
import { Rng } from '../../util/rng.js';

/**
 * VQA records (both VQA sets' question types, two per set and study) on the NIH studies whose
 * patients have no item in `benchmark`; image paths absolute under `root`. Boxes are scaled to `frame`.
 */
export function realVqaRecords(benchmark: readonly InstructionRecord[], o: { root: string; frame: number; seed: number }): InstructionRecord[] {
  const held = new Set(benchmark.filter((r) => r.source === 'nih').map((r) => r.patientId));
  const studies = loadNih(o.root, { scaleTo: o.frame }).items.filter((s) => !held.has(s.patientId));
  return buildInstructions(studies, { seed: o.seed, tasks: ['vqa'], vqaPerStudy: 2 }).map((r) => ({
    ...r,
    images: r.images.map((p) => (isAbsolute(p) ? p : join(o.root, p))),
  }));
}

/** grpo.realVqaShare is a share in [0, 1): at 1 no synthetic prompt would be left. */
export function checkRealVqaShare(share: number): void {
  if (!(share >= 0 && share < 1)) throw new Error(`grpo.realVqaShare must be in [0, 1) (got ${share})`);
}

/**
 * `n` RL records of which round(n · share) are drawn (seeded) from `real` and the rest are the first
 * records of `synthetic` (a task-balanced selection, so any prefix stays balanced). The trainer
 * shuffles its data, so the order here does not matter.
 */
export function mixRealRecords(synthetic: readonly InstructionRecord[], real: readonly InstructionRecord[], n: number, share: number, seed: number): InstructionRecord[] {
  checkRealVqaShare(share);
  const nReal = Math.min(Math.round(n * share), real.length);
  const picked = Rng.derive(seed, 'grpo-real').shuffle([...real]).slice(0, nReal);
  return [...synthetic.slice(0, n - nReal), ...picked];
}
