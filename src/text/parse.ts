/**
 * Parsing of model responses in the paper's output format: reasoning in `<think> … </think>`,
 * boxes `[x_min, y_min, x_max, y_max]` in image pixels, the final answer in `\boxed{…}`.
 */
import type { Box } from '../data/types.js';

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';
export const BOXED_OPEN = '\\boxed{';

/** What the answer extractor returns when there is no (closed) `\boxed{…}`. */
export const NO_ANSWER = 'None';

/**
 * The content of the LAST `\boxed{` with braces matched by depth; `None` when there is no
 * `\boxed{` or its braces never close.
 */
export function extractAnswer(response: string): string {
  const start = response.lastIndexOf(BOXED_OPEN);
  if (start < 0) return NO_ANSWER;
  let depth = 1;
  const from = start + BOXED_OPEN.length;
  for (let i = from; i < response.length; i++) {
    const ch = response[i];
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return response.slice(from, i).trim();
    }
  }
  return NO_ANSWER;
}

/** The text inside the first `<think>…</think>`, or null when there is none. */
export function extractThink(response: string): string | null {
  const open = response.indexOf(THINK_OPEN);
  if (open < 0) return null;
  const close = response.indexOf(THINK_CLOSE, open + THINK_OPEN.length);
  if (close < 0) return null;
  return response.slice(open + THINK_OPEN.length, close);
}

const NUM = String.raw`-?\d+(?:\.\d+)?`;
const BOX_RE = new RegExp(String.raw`\[\s*(${NUM})\s*,\s*(${NUM})\s*,\s*(${NUM})\s*,\s*(${NUM})\s*\]`, 'g');

/** Every 4-number bracketed group `[a, b, c, d]` in the text, in order. */
export function extractBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  for (const m of text.matchAll(BOX_RE)) boxes.push([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]);
  return boxes;
}

/** Format a box the way the model is taught to write it. */
export function formatBox(b: Box): string {
  return `[${b.map((v) => Math.round(v)).join(', ')}]`;
}

/**
 * The paper's format check: after removing whitespace around `<`, `>` and `/`, the whole response
 * matches `<think>.*</think>.*\boxed{.*}.*` (dot matches newline).
 */
export function isWellFormatted(response: string): boolean {
  const squeezed = response.replace(/\s*(<|>|\/)\s*/g, '$1');
  return /^<think>.*<\/think>.*\\boxed\{.*\}.*$/s.test(squeezed);
}

/** Intersection over union of two `[x0, y0, x1, y1]` boxes (0 when either is empty). */
export function boxIou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const area = (r: Box) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}
