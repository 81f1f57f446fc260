/**
 * ROUGE-L as pycocoevalcap's Rouge computes it: tokens split on single spaces, longest common
 * subsequence against each reference, the best precision and the best recall over the references
 * (taken separately), F = (1 + β²)·P·R / (R + β²·P) with β = 1.2, and the corpus score the mean of
 * the per-report F.
 *
 * Complexity: the LCS dynamic programme is O(n·m) time and O(min(n, m)) memory for a hypothesis of
 * n and a reference of m tokens — quadratic when both grow, LINEAR in the prediction for a fixed
 * reference. References come from the benchmark (reports of tens to a few hundred tokens), so a
 * 1 MB prediction (~150k tokens) against a 60-token reference is ~10M cell updates (tens of ms).
 */

export const ROUGE_BETA = 1.2;

/** Length of the longest common subsequence of two token arrays (two-row dynamic programme). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length < b.length) [a, b] = [b, a];
  const m = b.length;
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= m; j++) {
      cur[j] = ai === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m];
}

/** ROUGE-L F of one hypothesis against its references. */
export function rougeL(hyp: string, refs: readonly string[], beta = ROUGE_BETA): number {
  if (refs.length === 0) throw new Error('ROUGE-L: a hypothesis needs at least one reference');
  const c = hyp.split(' ');
  let pMax = 0;
  let rMax = 0;
  for (const ref of refs) {
    const t = ref.split(' ');
    const l = lcsLength(t, c);
    pMax = Math.max(pMax, l / c.length);
    rMax = Math.max(rMax, l / t.length);
  }
  if (pMax === 0 || rMax === 0) return 0;
  return ((1 + beta * beta) * pMax * rMax) / (rMax + beta * beta * pMax);
}

/** Corpus ROUGE-L: the mean of per-report F, and the per-report values. */
export function corpusRougeL(hyps: readonly string[], refs: readonly (readonly string[])[]): { rougeL: number; perReport: number[] } {
  if (hyps.length !== refs.length) throw new Error(`ROUGE-L: ${hyps.length} hypotheses but ${refs.length} reference lists`);
  const perReport = hyps.map((h, i) => rougeL(h, refs[i]));
  const rougeLMean = perReport.length ? perReport.reduce((s, x) => s + x, 0) / perReport.length : 0;
  return { rougeL: rougeLMean, perReport };
}
