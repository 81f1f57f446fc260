/**
 * r_coo, the coordinate reward: every 4-number box `[a, b, c, d]` written inside the FIRST
 * `<think>…</think>` earns +0.05, or −0.2 when any of its numbers exceeds the image bound (512 in the
 * paper). Two ways to bound the sum, as named variants:
 *  - 'cap'   (the public code, default): min(sum, 0.15);
 *  - 'floor' (the paper's printed formula, max(N·0.05 + φ, 0.15)): max(sum, 0.15) — unbounded above,
 *            so it pays for writing more boxes;
 *  - 'off'   (ablation): 0.
 * The box pattern is the public code's: no spaces inside the brackets before commas, optional sign,
 * optional decimals (`[12, 30, 200, 240]`, `[1.5,2,3,4]`; not `[ 1, 2, 3, 4 ]`).
 */
import { extractThink } from '../text/parse.js';

export type CoordinateVariant = 'cap' | 'floor' | 'off';

export interface CoordinateOptions {
  variant?: CoordinateVariant;
  /** Largest allowed coordinate (inclusive). */
  bound?: number;
  /** Reward per in-bound box. */
  perBox?: number;
  /** Penalty (subtracted) per out-of-bound box. */
  penalty?: number;
  /** The cap (or, for 'floor', the floor). */
  limit?: number;
}

export const COORDINATE_DEFAULTS: Required<CoordinateOptions> = { variant: 'cap', bound: 512, perBox: 0.05, penalty: 0.2, limit: 0.15 };

const NUM = String.raw`[-+]?\d*\.?\d+`;
const CODE_BOX_RE = new RegExp(String.raw`\[(${NUM}(?:,\s*${NUM}){3})\]`, 'g');

/** The boxes the public code's pattern finds in the first think block. */
export function thinkBoxes(response: string): number[][] {
  const think = extractThink(response);
  if (think === null) return [];
  return Array.from(think.matchAll(CODE_BOX_RE), (m) => m[1].split(',').map((x) => Number(x.trim())));
}

export interface CoordinateReward {
  reward: number;
  /** Boxes found in the think block. */
  boxes: number;
  /** Of which with a coordinate above the bound. */
  outOfBound: number;
  /** The sum before the cap / floor. */
  raw: number;
}

export function coordinateReward(response: string, options: CoordinateOptions = {}): CoordinateReward {
  const o = { ...COORDINATE_DEFAULTS, ...options };
  const boxes = thinkBoxes(response);
  let raw = 0;
  let outOfBound = 0;
  for (const b of boxes) {
    if (Math.max(...b) > o.bound) {
      raw -= o.penalty;
      outOfBound++;
    } else raw += o.perBox;
  }
  let reward: number;
  if (o.variant === 'off') reward = 0;
  else if (o.variant === 'cap') reward = raw > o.limit ? o.limit : raw;
  else reward = Math.max(raw, o.limit);
  return { reward, boxes: boxes.length, outOfBound, raw };
}
