/**
 * Grounded VQA questions (`cohort.groundedVqa`): questions of the existing types of both VQA sets
 * whose answer follows from the located findings, so that reasoning which lists them can derive
 * it — a count of the findings in one lung, a comparison of the two lungs, a size against a
 * threshold, the finding in one lung zone. Every answer is computed from the study's ground truth
 * (side, zone, boxes, mm). The question builder and the reasoning writer share one derivation:
 * `parseGroundedQuestion` reads a question back from its prompt and `groundedAnswer` gives the answer
 * and the located findings it rests on. Only synthetic studies, whose truth is complete, get them.
 *
 * Sizes: 0.7 mm per pixel of the 512 frame (the spacing findings.ts sizes nodules and masses with:
 * 512 px ≈ 360 mm across a detector). Nodules and masses are compared by their true mm;
 * consolidations and lung opacities by the longest side of their true box at that spacing.
 */
import type { Rng } from '../util/rng.js';
import { LUNG_FINDINGS, studyFacts, type Fact } from './facts.js';
import { ZONES, type Zone } from './findings.js';
import type { Box, FindingBox, InstructionRecord, Study } from './types.js';

type VqaSet = NonNullable<InstructionRecord['vqaSet']>;
export type LungSide = 'right' | 'left';
const SIDES: readonly LungSide[] = ['right', 'left'];

/** Millimetres per pixel of the 512 frame (findings.ts: 512 px ≈ 360 mm). */
export const MM_PER_PIXEL = 0.7;

/** Size questions: the threshold per finding and what is compared with it (the true mm, or the true box's longest side). */
export const SIZE_THRESHOLDS: Readonly<Record<string, { mm: number; by: 'truth' | 'box' }>> = {
  nodule: { mm: 10, by: 'truth' },
  mass: { mm: 30, by: 'truth' },
  consolidation: { mm: 40, by: 'box' },
  'lung opacity': { mm: 50, by: 'box' },
};

/**
 * Bilateral findings whose two sides may be compared by extent. Edema is left out: one severity
 * for both lungs, so its two boxes differ by the anatomy (the heart hides part of the left lung), not
 * by the disease.
 */
const EXTENT_FINDINGS = ['pleural effusion', 'atelectasis'];

/** Two boxes whose areas differ by less than this factor are too close to call: no extent question. */
export const EXTENT_RATIO = 1.25;

/** Share of the items of a type that are grounded when the type has grounded questions for the study. */
export const GROUNDED_SHARE = 0.5;

export const GROUNDED_KINDS = ['count', 'compare-count', 'compare-extent', 'threshold', 'zone'] as const;
export type GroundedKind = (typeof GROUNDED_KINDS)[number];

export type GroundedQuestion =
  | { kind: 'count'; side: LungSide }
  | { kind: 'compare-count'; more: boolean }
  | { kind: 'compare-extent'; finding: string; larger: boolean }
  | { kind: 'threshold'; finding: string; larger: boolean }
  | { kind: 'zone'; side: LungSide; zone: Zone; open: boolean };

/** One lung finding as seen in one lung: a bilateral finding gives one per side. */
export interface LocatedFinding {
  name: string;
  side: LungSide;
  /** Lung zone where the ground truth places it (absent for findings that span zones). */
  zone?: Zone;
  /** Grade (small / moderate / large, mild / moderate / severe). */
  level?: string;
  /** True size in mm (nodule, mass). */
  mm?: number;
  box: Box;
}

/** The recorded zone; atelectasis is always drawn in the lower zone (placeAtelectasis); effusion, pneumothorax and edema span zones. */
function zoneOf(f: Fact): Zone | undefined {
  if (f.zone) return f.zone;
  return f.name === 'atelectasis' ? 'lower' : undefined;
}

/** Every lung finding of a study, one entry per lung it is in, in the study's order. */
export function locatedFindings(s: Study): LocatedFinding[] {
  const out: LocatedFinding[] = [];
  for (const f of studyFacts(s).present) {
    if (!LUNG_FINDINGS.includes(f.name)) continue;
    f.boxes.forEach((box, i) => {
      // The patient's right is the image left; a bilateral finding has one box per side.
      const side = f.side === 'bilateral' ? (box[0] + box[2] < s.frame ? 'right' : 'left') : f.side;
      if (side !== 'right' && side !== 'left') return;
      const lf: LocatedFinding = { name: f.name, side, box };
      const zone = zoneOf(f);
      if (zone) lf.zone = zone;
      // A bilateral effusion's recorded size is its first side's (the second side's grade is not stored).
      if (f.level && !(f.side === 'bilateral' && f.name === 'pleural effusion' && i > 0)) lf.level = f.level;
      if (f.mm !== undefined) lf.mm = f.mm;
      out.push(lf);
    });
  }
  return out;
}

/** Longest side of a box in mm at MM_PER_PIXEL. */
export function extentMm(box: Box): number {
  return Math.round(Math.max(box[2] - box[0], box[3] - box[1]) * MM_PER_PIXEL);
}

/** The size a size question compares: the true mm, or the box's longest side. */
export function findingSizeMm(lf: LocatedFinding): number {
  return SIZE_THRESHOLDS[lf.name]?.by === 'truth' && lf.mm !== undefined ? lf.mm : extentMm(lf.box);
}

export const boxArea = (b: Box): number => (b[2] - b[0]) * (b[3] - b[1]);

export interface GroundedAnswer {
  answer: string;
  /** The located findings the answer rests on, in the order the reasoning lists them. */
  examined: LocatedFinding[];
  /** Multi-object answers (`a|b`) are scored as lists. */
  list: boolean;
}

const listOr = (xs: string[]) => (xs.length ? [...new Set(xs)].sort().join('|') : 'none');
const inSide = (located: readonly LocatedFinding[], side: LungSide) => located.filter((f) => f.side === side);

/** The answer to a grounded question from the study's located findings; null when the study does not support the question. */
export function groundedAnswer(q: GroundedQuestion, located: readonly LocatedFinding[]): GroundedAnswer | null {
  switch (q.kind) {
    case 'count': {
      const here = inSide(located, q.side);
      return { answer: String(here.length), examined: here, list: false };
    }
    case 'compare-count': {
      const [r, l] = SIDES.map((side) => inSide(located, side).length);
      const more = l > r ? 'left' : r > l ? 'right' : 'same';
      const answer = more === 'same' ? 'same' : q.more ? more : more === 'left' ? 'right' : 'left';
      return { answer, examined: [...inSide(located, 'right'), ...inSide(located, 'left')], list: false };
    }
    case 'compare-extent': {
      const two = located.filter((f) => f.name === q.finding);
      const [right, left] = SIDES.map((side) => two.find((f) => f.side === side));
      if (two.length !== 2 || !right || !left) return null;
      const [ar, al] = [boxArea(right.box), boxArea(left.box)];
      if (Math.max(ar, al) < EXTENT_RATIO * Math.min(ar, al)) return null;
      const larger = al > ar ? 'left' : 'right';
      return { answer: q.larger ? larger : larger === 'left' ? 'right' : 'left', examined: [right, left], list: false };
    }
    case 'threshold': {
      const t = SIZE_THRESHOLDS[q.finding];
      const hits = located.filter((f) => f.name === q.finding);
      if (!t || hits.length !== 1) return null;
      const mm = findingSizeMm(hits[0]);
      // At the threshold itself neither "larger" nor "smaller" holds: too close to call, not asked.
      if (mm === t.mm) return null;
      return { answer: (q.larger ? mm > t.mm : mm < t.mm) ? 'yes' : 'no', examined: hits, list: false };
    }
    case 'zone': {
      const here = inSide(located, q.side);
      // A finding on this side without a zone could lie in any: the question has no sure answer.
      if (here.some((f) => !f.zone)) return null;
      const names = here.filter((f) => f.zone === q.zone).map((f) => f.name);
      return { answer: q.open ? listOr(names) : names.length ? 'yes' : 'no', examined: here, list: q.open };
    }
  }
}

const cm = (mm: number) => `${mm / 10} cm`;

/** The prompt of a grounded question in a set's style. */
export function groundedPrompt(set: VqaSet, q: GroundedQuestion): string {
  const ext = set === 'ext-vqa';
  switch (q.kind) {
    case 'count':
      return ext ? `How many abnormal findings are in the ${q.side} lung?` : `How many abnormalities are seen in the ${q.side} lung?`;
    case 'compare-count': {
      const w = q.more ? 'more' : 'fewer';
      return ext ? `Which lung has ${w} abnormal findings: left, right or same?` : `Which side shows ${w} abnormalities: left, right or same?`;
    }
    case 'compare-extent': {
      const w = q.larger ? 'larger' : 'smaller';
      return ext ? `Is the ${q.finding} ${w} in the left or the right lung?` : `On which side is the ${q.finding} ${w}, left or right?`;
    }
    case 'threshold':
      return `Is the ${q.finding} ${q.larger ? 'larger' : 'smaller'} than ${cm(SIZE_THRESHOLDS[q.finding].mm)}?`;
    case 'zone':
      if (q.open) return `What lung abnormality is in the ${q.side} ${q.zone} zone?`;
      return ext ? `Is there a lung abnormality in the ${q.side} ${q.zone} zone?` : `Is there evidence of a lung abnormality in the ${q.side} ${q.zone} zone?`;
  }
}

const SIDE = '(left|right)';
const ZONE = '(upper|mid|lower)';
const NAME = '([a-z][a-z ]*[a-z])';
const PARSERS: [RegExp, (m: RegExpExecArray) => GroundedQuestion | null][] = [
  [new RegExp(`^How many (?:abnormal findings are|abnormalities are seen) in the ${SIDE} lung\\?$`), (m) => ({ kind: 'count', side: m[1] as LungSide })],
  [/^Which (?:lung has|side shows) (more|fewer) (?:abnormal findings|abnormalities): left, right or same\?$/, (m) => ({ kind: 'compare-count', more: m[1] === 'more' })],
  [new RegExp(`^Is the ${NAME} (larger|smaller) in the left or the right lung\\?$`), (m) => extent(m[1], m[2])],
  [new RegExp(`^On which side is the ${NAME} (larger|smaller), left or right\\?$`), (m) => extent(m[1], m[2])],
  [new RegExp(`^Is the ${NAME} (larger|smaller) than (\\d+(?:\\.\\d+)?) cm\\?$`), (m) => {
    const t = SIZE_THRESHOLDS[m[1]];
    return t && Number(m[3]) * 10 === t.mm ? { kind: 'threshold', finding: m[1], larger: m[2] === 'larger' } : null;
  }],
  [new RegExp(`^What lung abnormality is in the ${SIDE} ${ZONE} zone\\?$`), (m) => ({ kind: 'zone', side: m[1] as LungSide, zone: m[2] as Zone, open: true })],
  [new RegExp(`^Is there (?:evidence of )?a lung abnormality in the ${SIDE} ${ZONE} zone\\?$`), (m) => ({ kind: 'zone', side: m[1] as LungSide, zone: m[2] as Zone, open: false })],
];

function extent(finding: string, w: string): GroundedQuestion | null {
  return EXTENT_FINDINGS.includes(finding) ? { kind: 'compare-extent', finding, larger: w === 'larger' } : null;
}

/** The grounded question a prompt asks, or null when it is not one (every other VQA prompt). */
export function parseGroundedQuestion(prompt: string): GroundedQuestion | null {
  const p = prompt.trim();
  for (const [re, make] of PARSERS) {
    const m = re.exec(p);
    if (m) return make(m);
  }
  return null;
}

/** Which grounded kinds each question type of each set asks. */
const KINDS_BY_TYPE: Record<VqaSet, Readonly<Record<string, readonly GroundedKind[]>>> = {
  'ext-vqa': { presence: ['zone'], abnormality: ['count'], anatomy: ['compare-count', 'compare-extent'], size: ['threshold'] },
  'cxr-vqa': { presence: ['zone'], abnormality: ['count'], location: ['compare-count', 'compare-extent', 'zone'] },
};

export interface GroundedQa {
  type: string;
  kind: GroundedKind;
  q: string;
  a: string;
  boxes: FindingBox[];
  list: boolean;
  /** Answer class balanced when drawing (yes/no, left/right, zero/some, none/named). */
  balance: string;
}

/** The questions of one kind a study supports (before balancing). */
function questionsOfKind(kind: GroundedKind, located: readonly LocatedFinding[]): GroundedQuestion[] {
  const tf = [true, false];
  switch (kind) {
    case 'count':
      return located.length ? SIDES.map((side) => ({ kind, side })) : [];
    case 'compare-count':
      return located.length ? tf.map((more) => ({ kind, more })) : [];
    case 'compare-extent':
      return EXTENT_FINDINGS.flatMap((finding) => tf.map((larger) => ({ kind, finding, larger })));
    case 'threshold':
      return Object.keys(SIZE_THRESHOLDS).flatMap((finding) => tf.map((larger) => ({ kind, finding, larger })));
    case 'zone':
      return SIDES.flatMap((side) => ZONES.map((zone) => ({ kind, side, zone, open: false })));
  }
}

/** Grounded candidates of one type for a study (empty for real studies and for types without them). */
export function groundedQuestions(set: VqaSet, type: string, s: Study): GroundedQa[] {
  const kinds = KINDS_BY_TYPE[set][type];
  if (!kinds || s.source !== 'synthetic') return [];
  const located = locatedFindings(s);
  const out: GroundedQa[] = [];
  for (const kind of kinds) {
    const mine: GroundedQa[] = [];
    for (const base of questionsOfKind(kind, located)) {
      // Medical-CXR-VQA's location type asks the zone open; presence (both sets) asks it closed.
      const q: GroundedQuestion = base.kind === 'zone' ? { ...base, open: type === 'location' } : base;
      const g = groundedAnswer(q, located);
      if (!g) continue;
      const balance = q.kind === 'count' ? (g.answer === '0' ? 'zero' : 'some') : q.kind === 'zone' && q.open ? (g.answer === 'none' ? 'none' : 'named') : g.answer;
      mine.push({ type, kind, q: groundedPrompt(set, q), a: g.answer, boxes: g.examined.map((f) => ({ finding: f.name, box: f.box })), list: g.list, balance });
    }
    // Zone questions only where the study has a finding in some zone: both answers, drawn evenly.
    if (kind === 'zone' && new Set(mine.map((c) => c.balance)).size < 2) continue;
    out.push(...mine);
  }
  return out;
}

/** Draw one grounded question: a kind uniformly, then an answer class uniformly (yes/no, left/right, … stay even), then a question. */
export function pickGrounded(cands: readonly GroundedQa[], rng: Rng): GroundedQa {
  if (!cands.length) throw new Error('pickGrounded: no candidates');
  const kind = rng.pick([...new Set(cands.map((c) => c.kind))]);
  const ofKind = cands.filter((c) => c.kind === kind);
  const classes = [...new Set(ofKind.map((c) => c.balance))];
  const cls = rng.pick(classes);
  return rng.pick(ofKind.filter((c) => c.balance === cls));
}
