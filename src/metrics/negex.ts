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
  return { tokens, starts, ends };
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
function cueBefore(tokens: string[], first: number, list: Cue[]): boolean {
  for (const cue of list) {
    const n = cue.words.length;
    // the cue occupies [s, s+n); the gap is (s+n .. first-1)
    for (let s = first - n; s >= 0 && first - (s + n) <= cue.window; s--) {
      if (s + n < first && isBarrier(tokens[s + n])) break;
      if (matchesAt(tokens, s, cue.words)) return true;
    }
  }
  return false;
}

/** A cue starting after token `last` (nothing clause-ending in between, within its window). */
function cueAfter(tokens: string[], last: number, list: Cue[]): boolean {
  for (const cue of list) {
    for (let s = last + 1; s < tokens.length && s - last - 1 <= cue.window; s++) {
      if (matchesAt(tokens, s, cue.words)) return true;
      if (isBarrier(tokens[s]) || AFTER_BARRIER.has(tokens[s])) break;
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
    for (let i = a; i <= b; i++) if (matchesAt(tokens, i, words) && i + words.length - 1 <= b) return 'uncertain';
  }
  if (cueBefore(tokens, first, NEGATION_BEFORE) || cueAfter(tokens, last, NEGATION_AFTER)) return 'negative';
  if (cueBefore(tokens, first, UNCERTAINTY_BEFORE) || cueAfter(tokens, last, UNCERTAINTY_AFTER)) return 'uncertain';
  return 'positive';
}
