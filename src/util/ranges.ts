/**
 * Numeric ranges: what a config key or a flag may hold. `int(a, b)` whole numbers a…b, `real(a, b)`
 * any number a…b, `above(a, b)` a < x ≤ b; bounds are inclusive unless `minOpen` / `maxOpen`.
 */
export interface Range {
  min: number;
  max: number;
  integer: boolean;
  /** The minimum itself is excluded (x > min). */
  minOpen?: boolean;
  /** The maximum itself is excluded (x < max). */
  maxOpen?: boolean;
}

const BIG = Number.MAX_SAFE_INTEGER;
export const int = (min: number, max = BIG): Range => ({ min, max, integer: true });
export const real = (min: number, max: number): Range => ({ min, max, integer: false });
export const above = (min: number, max: number): Range => ({ min, max, integer: false, minOpen: true });

/** A range as text, e.g. "a whole number in 1..1000" or "a number in (0, 1]". */
export function describeRange(r: Range): string {
  const hi = r.max >= BIG ? '' : String(r.max);
  if (r.integer && !r.minOpen && !r.maxOpen) return hi ? `a whole number in ${r.min}..${hi}` : `a whole number ≥ ${r.min}`;
  return `a ${r.integer ? 'whole ' : ''}number in ${r.minOpen ? '(' : '['}${r.min}, ${hi || '∞'}${r.maxOpen ? ')' : ']'}`;
}

/** Whether `v` is a finite number inside `r` (and whole, for an integer range). */
export function inRange(v: number, r: Range): boolean {
  if (!Number.isFinite(v) || (r.integer && !Number.isInteger(v))) return false;
  return (r.minOpen ? v > r.min : v >= r.min) && (r.maxOpen ? v < r.max : v <= r.max);
}
