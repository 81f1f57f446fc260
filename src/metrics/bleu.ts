/**
 * BLEU-1..4 as pycocoevalcap's BleuScorer computes it: whitespace tokens, n-gram counts clipped by
 * the maximum count in any reference, the "closest" reference length per report (the shorter on a
 * tie), corpus-level precisions from summed counts, the brevity penalty exp(1 − r/c) when c < r, and
 * the epsilons tiny = 1e-15 (numerator) and small = 1e-9 (denominator). Per-report values use the
 * same formula on one report's counts (pycocoevalcap's `bleu_list`).
 */

const TINY = 1e-15;
const SMALL = 1e-9;
const MAX_N = 4;

export interface BleuResult {
  /** Corpus BLEU-1..4 (index 0 is BLEU-1). */
  bleu: number[];
  /** Per report: [BLEU-1, BLEU-2, BLEU-3, BLEU-4]. */
  perReport: number[][];
}

/** The per-report counts the corpus score sums. */
export interface BleuCounts {
  testLen: number;
  refLen: number;
  guess: number[];
  correct: number[];
}

/** n-gram counts for n = 1..maxN, keyed by the n-gram's words joined with a space. */
export function ngramCounts(words: readonly string[], maxN = MAX_N): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < words.length; i++) {
    let key = '';
    for (let k = 1; k <= maxN && i + k <= words.length; k++) {
      // a 0x01 separator cannot occur inside a whitespace token of normal text, keeping keys unambiguous
      key = k === 1 ? words[i] : key + '\u0001' + words[i + k - 1];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Python's str.isspace() characters (JavaScript's \s differs: it has U+FEFF and lacks U+001C..U+001F, U+0085). */
const PY_WHITESPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Whitespace tokens, as Python's str.split(). */
export function whitespaceTokens(text: string): string[] {
  const t = text.split(PY_WHITESPACE);
  if (t.length && t[0] === '') t.shift();
  if (t.length && t[t.length - 1] === '') t.pop();
  return t;
}

function ngramOrder(key: string): number {
  let n = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 1) n++;
  return n;
}

/** Counts for one hypothesis against its references. */
export function bleuCounts(hyp: string, refs: readonly string[], maxN = MAX_N): BleuCounts {
  if (refs.length === 0) throw new Error('BLEU: a hypothesis needs at least one reference');
  const words = whitespaceTokens(hyp);
  const maxRef = new Map<string, number>();
  let refLen = -1;
  let bestDiff = Infinity;
  for (const r of refs) {
    const rw = whitespaceTokens(r);
    const d = Math.abs(rw.length - words.length);
    if (d < bestDiff || (d === bestDiff && rw.length < refLen)) {
      bestDiff = d;
      refLen = rw.length;
    }
    for (const [g, c] of ngramCounts(rw, maxN)) if (c > (maxRef.get(g) ?? 0)) maxRef.set(g, c);
  }
  const guess: number[] = [];
  const correct: number[] = new Array(maxN).fill(0);
  for (let k = 1; k <= maxN; k++) guess.push(Math.max(0, words.length - k + 1));
  for (const [g, c] of ngramCounts(words, maxN)) {
    const m = maxRef.get(g);
    if (m) correct[ngramOrder(g) - 1] += Math.min(m, c);
  }
  return { testLen: words.length, refLen, guess, correct };
}

/** BLEU-1..maxN from (summed) counts, with pycocoevalcap's epsilons and brevity penalty. */
export function bleuFromCounts(c: BleuCounts): number[] {
  const out: number[] = [];
  let prod = 1;
  for (let k = 0; k < c.guess.length; k++) {
    prod *= (c.correct[k] + TINY) / (c.guess[k] + SMALL);
    out.push(prod ** (1 / (k + 1)));
  }
  const ratio = (c.testLen + TINY) / (c.refLen + SMALL);
  if (ratio < 1) {
    const bp = Math.exp(1 - 1 / ratio);
    for (let k = 0; k < out.length; k++) out[k] *= bp;
  }
  return out;
}

/** Corpus BLEU-1..4 and per-report BLEU (pycocoevalcap semantics). */
export function corpusBleu(hyps: readonly string[], refs: readonly (readonly string[])[]): BleuResult {
  if (hyps.length !== refs.length) throw new Error(`BLEU: ${hyps.length} hypotheses but ${refs.length} reference lists`);
  const total: BleuCounts = { testLen: 0, refLen: 0, guess: new Array(MAX_N).fill(0), correct: new Array(MAX_N).fill(0) };
  const perReport: number[][] = [];
  for (let i = 0; i < hyps.length; i++) {
    const c = bleuCounts(hyps[i], refs[i]);
    total.testLen += c.testLen;
    total.refLen += c.refLen;
    for (let k = 0; k < MAX_N; k++) {
      total.guess[k] += c.guess[k];
      total.correct[k] += c.correct[k];
    }
    perReport.push(bleuFromCounts(c));
  }
  return { bleu: bleuFromCounts(total), perReport };
}
