/**
 * Score scales. Bradley–Terry scores ξ are log-odds, defined up to a shift. The paper reports
 * them normalized to [0, 1] by max-absolute scaling; peers (Chatbot Arena) report an Elo-like
 * scale. Both are affine maps fixed by the point estimate and applied unchanged to interval
 * endpoints, so an interval means the same thing on every scale.
 */

/** An affine map x ↦ (x − shift)·factor + offset. */
export interface AffineScale {
  name: string;
  shift: number;
  factor: number;
  offset: number;
}

export function applyScale(s: AffineScale, x: number): number {
  return (x - s.shift) * s.factor + s.offset;
}

/**
 * The paper's normalization: scores taken relative to the weakest model (the choice of origin that
 * makes them all non-negative), then divided by their maximum absolute value, so the weakest
 * model is at 0 and the strongest at 1. (With this origin, max-absolute scaling coincides with
 * min–max scaling.)
 */
export function maxAbsScale(scores: readonly number[]): AffineScale {
  if (scores.length === 0) throw new Error('maxAbsScale: no scores');
  const min = Math.min(...scores);
  const maxAbs = Math.max(...scores.map((x) => Math.abs(x - min)));
  return { name: 'normalized [0, 1] (max-abs)', shift: min, factor: maxAbs > 0 ? 1 / maxAbs : 0, offset: 0 };
}

/**
 * The Elo-like scale of Chatbot Arena: 400 points per factor of 10 in the odds, i.e.
 * R = offset + 400·(ξ − anchor)/ln 10, with the mean score placed at `offset` (1000) unless an
 * anchor model's score is given.
 */
export function eloScale(scores: readonly number[], opts: { offset?: number; anchor?: number } = {}): AffineScale {
  if (scores.length === 0) throw new Error('eloScale: no scores');
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return { name: 'Elo-like (400/ln 10 per log-odds unit)', shift: opts.anchor ?? mean, factor: 400 / Math.LN10, offset: opts.offset ?? 1000 };
}
