/**
 * A NegEx-style negation and uncertainty stage for the CheXpert-style labeler. The CheXpert
 * labeler runs NegBio's dependency-graph patterns; this is a named approximation: cue phrases
 * before a mention (within a token window) or after it, a scope that stops at clause-ending words
 * and punctuation, and CheXpert's order of decisions: pre-negation uncertainty ("cannot be
 * excluded" carries a negation word but means uncertain), then negation, then uncertainty.
 */

export type Certainty = 'positive' | 'negative' | 'uncertain';

interface Cue {
  words: string[];
  /** Maximum number of tokens between the cue and the mention. */
  window: number;
}

function cues(window: number, phrases: string[]): Cue[] {
  return phrases.map((p) => ({ words: p.split(' '), window }));
}

/** Uncertain even though they hold a negation word; looked for anywhere in the mention's clause. */
const PRE_NEGATION_UNCERTAINTY = [
  'cannot exclude', 'can not exclude', 'cannot be excluded', 'can not be excluded', 'not be excluded',
  'not excluded', 'cannot rule out', 'can not rule out', 'not be ruled out', 'not ruled out', 'cannot be ruled out',
  'not entirely excluded', 'not definitely', 'not clearly', 'may not',
].map((p) => p.split(' '));

const NEGATION_BEFORE: Cue[] = [
  ...cues(10, ['no', 'not', 'without', 'negative for', 'free of', 'absence of', 'absent', 'no evidence of',
    'no sign of', 'no signs of', 'resolution of', 'resolved', 'removed', 'removal of', 'clear of', 'rather than', 'neither', 'nor']),
  // "normal heart size", "unremarkable mediastinal contour": a short reach only
  ...cues(4, ['normal', 'unremarkable', 'clear', 'stable normal', 'within normal limits']),
];

const NEGATION_AFTER: Cue[] = cues(10, [
  'normal', 'is normal', 'are normal', 'within normal limits', 'unremarkable', 'is clear', 'are clear', 'resolved',
  'has resolved', 'have resolved', 'removed', 'not seen', 'not identified', 'not present', 'not visualized',
  'not demonstrated', 'not appreciated', 'absent', 'is absent', 'not enlarged', 'negative', 'no longer',
  'normal in size', 'top normal', 'limits of normal', 'upper normal', 'is not', 'are not', 'not significantly',
]);

const UNCERTAINTY_BEFORE: Cue[] = cues(10, [
  'may', 'might', 'could', 'possible', 'possibly', 'probable', 'probably', 'likely', 'suspect', 'suspected',
  'suspicious', 'suggest', 'suggests', 'suggesting', 'suggestive', 'question of', 'questionable', 'concern for',
  'concerning for', 'versus', 'vs', 'differential', 'consider', 'considered', 'presumed', 'perhaps',
  'equivocal', 'indeterminate', 'borderline', 'cannot be distinguished', 'can not be distinguished',
  'or', 'and/or', 'favor', 'favored', 'compatible with', 'raises the possibility', 'uncertain', 'versus',
]);

const UNCERTAINTY_AFTER: Cue[] = [
  ...cues(5, [
    'is possible', 'are possible', 'is suspected', 'are suspected', 'is likely', 'are likely', 'is questionable',
    'is not excluded', 'cannot be excluded', 'not excluded', 'not ruled out', 'could be', 'may be', 'may represent',
    'is borderline', 'borderline', 'suspected', 'possible',
  ]),
  // "atelectasis or consolidation", "effusion versus thickening": the alternative follows at once
  ...cues(1, ['versus', 'vs', 'or', 'and/or']),
];

/** Words that end a cue's scope. */
const TERMINATION = new Set(['but', 'however', 'although', 'though', 'except', 'which', 'aside', 'apart', 'otherwise', 'whereas', 'yet', 'while', 'given', 'since', 'because', 'due', 'secondary']);
/** Words a cue AFTER a mention may not reach across ("cardiomegaly with normal vascularity"). */
const AFTER_BARRIER = new Set(['with', 'without', 'there', 'in']);
/** Punctuation tokens that end a scope (commas do not: "no effusion, consolidation, or pneumothorax"). */
const CLAUSE_PUNCT = new Set([';', ':', '.', '?', '!']);

/** A sentence as lower-case tokens with their character spans. */
export interface TokenizedSentence {
  tokens: string[];
  starts: number[];
  ends: number[];
  /** Positions of each distinct token. */
  positions: Map<string, number[]>;
  /** barriers[i] = number of scope-ending tokens among tokens[0..i-1]; afterBarriers likewise, counting AFTER_BARRIER words too. */
  barriers: Int32Array;
  afterBarriers: Int32Array;
}

export function tokenizeSentence(text: string): TokenizedSentence {
  const tokens: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const re = /[a-z0-9]+(?:[/'-][a-z0-9]+)*|[^\sa-z0-9]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    tokens.push(m[0]);
    starts.push(m.index);
    ends.push(m.index + m[0].length);
  }
  const positions = new Map<string, number[]>();
  const barriers = new Int32Array(tokens.length + 1);
  const afterBarriers = new Int32Array(tokens.length + 1);
  tokens.forEach((t, i) => {
    const p = positions.get(t);
    if (p) p.push(i);
    else positions.set(t, [i]);
    const b = isBarrier(t);
    barriers[i + 1] = barriers[i] + (b ? 1 : 0);
    afterBarriers[i + 1] = afterBarriers[i] + (b || AFTER_BARRIER.has(t) ? 1 : 0);
  });
  return { tokens, starts, ends, positions, barriers, afterBarriers };
}

function matchesAt(tokens: string[], at: number, words: string[]): boolean {
  if (at < 0 || at + words.length > tokens.length) return false;
  for (let k = 0; k < words.length; k++) if (tokens[at + k] !== words[k]) return false;
  return true;
}

function isBarrier(tok: string): boolean {
  return TERMINATION.has(tok) || CLAUSE_PUNCT.has(tok);
}

/** A cue ending before token `first` (nothing clause-ending in between, within its window). */
function cueBefore(s: TokenizedSentence, first: number, list: Cue[]): boolean {
  for (const cue of list) {
    const n = cue.words.length;
    for (const at of s.positions.get(cue.words[0]) ?? []) {
      const end = at + n;
      if (end > first || first - end > cue.window) continue;
      if (s.barriers[first] - s.barriers[end] === 0 && matchesAt(s.tokens, at, cue.words)) return true;
    }
  }
  return false;
}

/** A cue starting after token `last` (nothing clause-ending in between, within its window). */
function cueAfter(s: TokenizedSentence, last: number, list: Cue[]): boolean {
  for (const cue of list) {
    for (const at of s.positions.get(cue.words[0]) ?? []) {
      if (at <= last || at - last - 1 > cue.window) continue;
      if (s.afterBarriers[at] - s.afterBarriers[last + 1] === 0 && matchesAt(s.tokens, at, cue.words)) return true;
    }
  }
  return false;
}

/** The clause (between barriers) around tokens [first, last]. */
function clause(tokens: string[], first: number, last: number): [number, number] {
  let a = first;
  while (a > 0 && !isBarrier(tokens[a - 1])) a--;
  let b = last;
  while (b < tokens.length - 1 && !isBarrier(tokens[b + 1])) b++;
  return [a, b];
}

/** Classify the mention spanning tokens [first, last] of a sentence. */
export function classifyMention(s: TokenizedSentence, first: number, last: number): Certainty {
  const { tokens } = s;
  const [a, b] = clause(tokens, first, last);
  for (const words of PRE_NEGATION_UNCERTAINTY) {
    for (const i of s.positions.get(words[0]) ?? []) if (i >= a && i + words.length - 1 <= b && matchesAt(tokens, i, words)) return 'uncertain';
  }
  if (cueBefore(s, first, NEGATION_BEFORE) || cueAfter(s, last, NEGATION_AFTER)) return 'negative';
  if (cueBefore(s, first, UNCERTAINTY_BEFORE) || cueAfter(s, last, UNCERTAINTY_AFTER)) return 'uncertain';
  return 'positive';
}
