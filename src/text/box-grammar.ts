/**
 * The box grammar of the tokenizer's id language, for constrained decoding.
 *
 * Every id sequence the tokenizer produces has the same shape around coordinates: `<box>` is
 * followed by exactly four coordinate tokens, and coordinate tokens appear nowhere else (a box in
 * any other spelling stays plain text). A sampled sequence that breaks this rule decodes to a torn
 * box such as "[149, 210, 320." — text no encoder could have produced.
 *
 * Constrained decoding keeps the model inside that language, as structured-output ("guided")
 * decoding in vLLM or llama.cpp grammars does: after `<box>` only coordinate tokens may follow until
 * four are written; elsewhere coordinate tokens are masked out. The model still chooses where to
 * open a box and which coordinates to write; only the impossible spellings are removed and the
 * rest of the distribution renormalized. It is a decoding option (`model.boxGrammar`), not part of
 * the paper: DeepMedix-R1 (7B) writes boxes unaided; our miniature decoder loses count.
 *
 * State: the number of coordinate tokens still owed by an open box (0 = free text, 1–4 = inside).
 */
import type { Tokenizer } from './tokenizer.js';

/** The state after reading `id` in state `state`. */
export function nextBoxState(tok: Tokenizer, state: number, id: number): number {
  if (id === tok.boxId) return 4;
  if (state > 0 && tok.isCoord(id)) return state - 1;
  return 0;
}

/** The state after reading all of `ids` from `start` (e.g. a prompt's state: free text). */
export function boxStateAfter(tok: Tokenizer, ids: readonly number[], start = 0): number {
  let s = start;
  for (const id of ids) s = nextBoxState(tok, s, id);
  return s;
}

/** Whether `id` may come next in `state`. */
export function allowedInBoxState(tok: Tokenizer, state: number, id: number): boolean {
  return state > 0 ? tok.isCoord(id) : !tok.isCoord(id);
}

/** Set the logits the grammar forbids in `state` to −∞ (in place; one row of V logits). */
export function maskBoxGrammar(tok: Tokenizer, state: number, logits: Float32Array): void {
  for (let i = 0; i < logits.length; i++) if (!allowedInBoxState(tok, state, i)) logits[i] = -Infinity;
}

/**
 * Additive masks for tensors: row 0 for free text (coordinates forbidden), row 1 inside a box
 * (everything but coordinates forbidden), `negative` on forbidden ids, 0 elsewhere; [2 × V].
 */
export function boxGrammarMaskRows(tok: Tokenizer, negative: number): Float32Array {
  const V = tok.vocabSize;
  const rows = new Float32Array(2 * V);
  for (let i = 0; i < V; i++) {
    if (!allowedInBoxState(tok, 0, i)) rows[i] = negative;
    if (!allowedInBoxState(tok, 1, i)) rows[V + i] = negative;
  }
  return rows;
}
