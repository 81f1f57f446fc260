/**
 * r_form, the format reward, and the response normalization the public code applies before every
 * reward: whitespace around `<`, `>` and `/` is removed (so a model writing `< /think >` is not
 * punished for spacing). r_form = 1 when the normalized response as a whole matches
 * `<think>.*</think>.*\boxed{.*}.*` (dot matches newline), else 0.
 */
import { isWellFormatted } from '../text/parse.js';

export function normalizeResponse(response: string): string {
  return response.replace(/\s*(<|>|\/)\s*/g, '$1');
}

export function formatReward(response: string): number {
  return isWellFormatted(response) ? 1 : 0;
}
