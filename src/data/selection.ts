/**
 * Task-balanced selection of instruction records: what the reasoning synthesis, the RL prompts and
 * the notebooks' held-out subsets draw with, so that every task and question type is represented.
 */
import { Rng } from '../util/rng.js';
import type { InstructionRecord } from './types.js';

/** Interleave lists round-robin: a[0], b[0], c[0], a[1], … (shorter lists drop out). */
function roundRobin<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

/** Group by a key, lists in sorted key order. */
function groupsOf<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const by = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = by.get(k);
    if (list) list.push(t);
    else by.set(k, [t]);
  }
  return [...by.keys()].sort().map((k) => by.get(k)!);
}

/**
 * Choose up to `n` items, seeded, spread over tasks so every task type is represented: each round
 * takes `weights[task]` items (default 1) from every task, and within a task the question types
 * (VQA) take turns, so a rare type gets as many items as a common one while it lasts.
 */
export function balancedSelection(records: InstructionRecord[], n: number, seed: number, weights: Readonly<Record<string, number>> = {}): InstructionRecord[] {
  // The stream keeps the name it had when only the synthesis used it, so selections are unchanged.
  const rng = Rng.derive(seed, 'synthesis-selection');
  const queues = groupsOf(rng.shuffle(records), (r) => r.task).map((items) => ({
    task: items[0].task,
    items: roundRobin(groupsOf(items, (r) => r.questionType ?? '')),
    next: 0,
  }));
  for (const q of queues) {
    const w = weights[q.task] ?? 1;
    if (!(w >= 0) || !Number.isInteger(w)) throw new Error(`balancedSelection: weight of task '${q.task}' must be a whole number >= 0, got ${w}`);
  }
  const out: InstructionRecord[] = [];
  const want = Math.min(n, queues.reduce((s, q) => s + (weights[q.task] === 0 ? 0 : q.items.length), 0));
  while (out.length < want) {
    for (const q of queues) {
      for (let k = 0; k < (weights[q.task] ?? 1) && q.next < q.items.length && out.length < want; k++) out.push(q.items[q.next++]);
    }
  }
  return out;
}
