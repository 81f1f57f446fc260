/**
 * BLEU-1..4 as pycocoevalcap's BleuScorer computes it: whitespace tokens, n-gram counts clipped by
 * the maximum count in any reference, the "closest" reference length per report (the shorter on a
 * tie), corpus-level precisions from summed counts, the brevity penalty exp(1 − r/c) when c < r, and
 * the epsilons tiny = 1e-15 (numerator) and small = 1e-9 (denominator). Per-report values use the
 * same formula on one report's counts (pycocoevalcap's `bleu_list`).
 *
 * Complexity: per report pair with a hypothesis of n and references of m tokens in all, O(N·(n + m))
 * to key the n-grams (N = 4; string keys past a 9,741-word pair vocabulary) and O(n log n + m log m)
 * to sort and merge them (one reference) or O(n + m) expected with hash maps (several): near-linear
 * in the prediction; the corpus score sums the pairs.
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

/** Python's str.isspace() characters (JavaScript's \s differs: it has U+FEFF and lacks U+001C..U+001F, U+0085). */
const PY_WHITESPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Whitespace tokens, as Python's str.split(). */
export function whitespaceTokens(text: string): string[] {
  const t = text.split(PY_WHITESPACE);
  if (t.length && t[0] === '') t.shift();
  if (t.length && t[t.length - 1] === '') t.pop();
  return t;
}

/**
 * n-gram keys of one report pair: words get ids local to the pair (0..V-1), and the n-gram starting
 * at i gets the key Σ id·V^j — exact while V^maxN < 2^53 (V < 9,741 for 4-grams; beyond that the
 * keys are strings).
 */
function pairKeys(texts: readonly string[][], maxN: number): (number[] | string[])[][] {
  const local = new Map<string, number>();
  const ids = texts.map((ws) => ws.map((w) => {
    let id = local.get(w);
    if (id === undefined) local.set(w, (id = local.size));
    return id;
  }));
  const V = Math.max(1, local.size);
  const numeric = V ** maxN < Number.MAX_SAFE_INTEGER;
  return ids.map((seq, t) => {
    const out: (number[] | string[])[] = [];
    if (numeric) {
      let prev = seq;
      out.push(prev);
      for (let k = 1; k < maxN; k++) {
        const cur: number[] = [];
        for (let i = 0; i + k < seq.length; i++) cur.push(prev[i] * V + seq[i + k]);
        out.push(cur);
        prev = cur;
      }
    } else {
      const ws = texts[t];
      for (let k = 0; k < maxN; k++) {
        const cur: string[] = [];
        for (let i = 0; i + k < ws.length; i++) cur.push(ws.slice(i, i + k + 1).join('\u0001'));
        out.push(cur);
      }
    }
    return out;
  });
}

function countKeys<K>(keys: readonly K[]): Map<K, number> {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Size of the multiset intersection of two sorted key arrays. */
function sortedOverlap(a: Float64Array, b: Float64Array): number {
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) (n++, i++, j++);
    else if (a[i] < b[j]) i++;
    else j++;
  }
  return n;
}

/** Counts for one hypothesis against its references. */
export function bleuCounts(hyp: string, refs: readonly string[], maxN = MAX_N): BleuCounts {
  if (refs.length === 0) throw new Error('BLEU: a hypothesis needs at least one reference');
  const words = whitespaceTokens(hyp);
  const refWords = refs.map(whitespaceTokens);
  const guess: number[] = [];
  const correct: number[] = new Array(maxN).fill(0);
  for (let k = 1; k <= maxN; k++) guess.push(Math.max(0, words.length - k + 1));
  const [hypKeys, ...refKeys] = pairKeys([words, ...refWords], maxN);
  let refLen = -1;
  let bestDiff = Infinity;
  for (const rw of refWords) {
    const d = Math.abs(rw.length - words.length);
    if (d < bestDiff || (d === bestDiff && rw.length < refLen)) {
      bestDiff = d;
      refLen = rw.length;
    }
  }
  if (refs.length === 1 && typeof hypKeys[0][0] !== 'string') {
    // one reference: the clipped count is the multiset intersection (a sorted merge, no maps)
    for (let k = 0; k < maxN; k++) {
      correct[k] = sortedOverlap(new Float64Array(hypKeys[k] as number[]).sort(), new Float64Array(refKeys[0][k] as number[]).sort());
    }
    return { testLen: words.length, refLen, guess, correct };
  }
  for (let k = 0; k < maxN; k++) {
    const maxRef = new Map<number | string, number>();
    for (const keys of refKeys) for (const [g, c] of countKeys<number | string>(keys[k])) if (c > (maxRef.get(g) ?? 0)) maxRef.set(g, c);
    for (const [g, c] of countKeys<number | string>(hypKeys[k])) {
      const m = maxRef.get(g);
      if (m) correct[k] += Math.min(m, c);
    }
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
