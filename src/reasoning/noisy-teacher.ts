/**
 * Simulated teacher errors: a wrapper that corrupts a seeded fraction of another synthesizer's
 * responses in the ways real LLM teachers fail (no think block, unbalanced tags, boxes off the
 * image, misplaced or inverted or non-numeric boxes, a wrong or empty answer, a refusal, a reply cut
 * off by the token limit). It exists to exercise and measure the filter on the offline path, where
 * the ground-truth writer itself makes no such errors; it is a simulation and is named as one.
 */
import { Rng } from '../util/rng.js';
import { extractAnswer } from '../text/parse.js';
import type { ReasoningSynthesizer, SynthesisInput, SynthesisOutput } from './synthesizer.js';

export const CORRUPTIONS = [
  'no-think',
  'unbalanced-tags',
  'box-off-image',
  'box-misplaced',
  'box-inverted',
  'box-non-numeric',
  'wrong-answer',
  'empty-answer',
  'refusal',
  'truncated',
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

const BOX_RE = /\[(\d+), (\d+), (\d+), (\d+)\]/g;

/** Apply one corruption to a well-formed response. Box corruptions need a box; returns null when there is none. */
export function corrupt(response: string, kind: Corruption, frame: number, truth: string): string | null {
  const hasBox = BOX_RE.test(response);
  BOX_RE.lastIndex = 0;
  switch (kind) {
    case 'no-think':
      return response.replace('<think>\n', '').replace('\n</think>', '');
    case 'unbalanced-tags':
      return response.replace('</think>', '');
    case 'box-off-image':
      if (!hasBox) return null;
      return response.replace(BOX_RE, (_, a, b, c, d) => `[${a}, ${b}, ${Number(c) + frame}, ${d}]`);
    case 'box-misplaced':
      if (!hasBox) return null;
      // Mirror the box to the other side and the other end of the image: the wrong region.
      return response.replace(BOX_RE, (_, a, b, c, d) => `[${frame - Number(c)}, ${frame - Number(d)}, ${frame - Number(a)}, ${frame - Number(b)}]`);
    case 'box-inverted':
      if (!hasBox) return null;
      return response.replace(BOX_RE, (_, a, b, c, d) => `[${c}, ${d}, ${a}, ${b}]`);
    case 'box-non-numeric':
      if (!hasBox) return null;
      return response.replace(BOX_RE, (_, a, b) => `[${a}, ${b}, x_max, y_max]`);
    case 'wrong-answer': {
      const t = truth.trim().toLowerCase();
      const wrong = t === 'yes' ? 'no' : t === 'no' ? 'yes' : t === 'pa' ? 'AP' : t === 'ap' ? 'PA' : t === 'male' ? 'female' : t === 'female' ? 'male' : 'indeterminate';
      const at = response.lastIndexOf('\\boxed{');
      return `${response.slice(0, at)}\\boxed{${wrong}}`;
    }
    case 'empty-answer': {
      const at = response.lastIndexOf('\\boxed{');
      return `${response.slice(0, at)}\\boxed{}`;
    }
    case 'refusal':
      return "I'm sorry, but I can't provide a medical interpretation of this image.";
    case 'truncated':
      return response.slice(0, Math.max(1, Math.floor(response.indexOf('</think>') * 0.6)));
  }
}

export interface NoisyOptions {
  seed: number;
  /** Fraction of responses corrupted. */
  rate: number;
  /** Which corruptions to draw from (default: all). */
  kinds?: readonly Corruption[];
}

export class NoisyTeacher implements ReasoningSynthesizer {
  readonly name: string;
  /** The corruption applied to each record id (absent: left clean). */
  readonly applied = new Map<string, Corruption>();

  constructor(
    private readonly inner: ReasoningSynthesizer,
    private readonly opts: NoisyOptions,
  ) {
    this.name = `${inner.name}+simulated-errors`;
  }

  async synthesize(input: SynthesisInput): Promise<SynthesisOutput> {
    const out = await this.inner.synthesize(input);
    const rng = Rng.derive(this.opts.seed, `teacher-noise:${input.record.id}`);
    if (!rng.bool(this.opts.rate)) return { ...out, synthesizer: this.name };
    const kinds = rng.shuffle(this.opts.kinds ?? CORRUPTIONS);
    for (const kind of kinds) {
      const text = corrupt(out.response, kind, input.record.frame, input.record.answer || extractAnswer(out.response));
      if (text !== null) {
        this.applied.set(input.record.id, kind);
        return { ...out, response: text, synthesizer: this.name };
      }
    }
    return { ...out, synthesizer: this.name };
  }
}
