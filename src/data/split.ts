/**
 * Train / validation / test splits by patient: every study of a patient lands in the same split,
 * so no patient's images leak from training into evaluation.
 */
import { Rng } from '../util/rng.js';

export interface SplitOptions {
  seed: number;
  /** Studies (at least) in the test split; whole patients are taken until it is reached. */
  test: number;
  /** Studies (at least) in the validation split. */
  val: number;
}

export interface Splits<T> {
  train: T[];
  val: T[];
  test: T[];
}

/**
 * Split items (studies or instruction records: anything with a patientId) by patient. Patients are
 * shuffled with the seed and dealt to test, then val, until each reaches its size in items; the rest
 * train. Items keep their input order within a split.
 */
export function splitByPatient<T extends { patientId: string }>(items: readonly T[], opts: SplitOptions): Splits<T> {
  const count = new Map<string, number>();
  for (const it of items) {
    if (typeof it.patientId !== 'string' || it.patientId === '') throw new Error(`splitByPatient: an item has no patientId`);
    count.set(it.patientId, (count.get(it.patientId) ?? 0) + 1);
  }
  const patients = Rng.derive(opts.seed, 'split').shuffle([...count.keys()].sort());
  const which = new Map<string, keyof Splits<T>>();
  let nTest = 0;
  let nVal = 0;
  for (const p of patients) {
    const c = count.get(p)!;
    if (nTest < opts.test) {
      which.set(p, 'test');
      nTest += c;
    } else if (nVal < opts.val) {
      which.set(p, 'val');
      nVal += c;
    } else which.set(p, 'train');
  }
  const out: Splits<T> = { train: [], val: [], test: [] };
  for (const it of items) out[which.get(it.patientId)!].push(it);
  return out;
}

/** Patients found in more than one split (empty when the split is clean). */
export function leakedPatients<T extends { patientId: string }>(splits: Splits<T>): string[] {
  const seen = new Map<string, string>();
  const leaked = new Set<string>();
  for (const name of ['train', 'val', 'test'] as const) {
    for (const it of splits[name]) {
      const prev = seen.get(it.patientId);
      if (prev !== undefined && prev !== name) leaked.add(it.patientId);
      seen.set(it.patientId, name);
    }
  }
  return [...leaked].sort();
}
