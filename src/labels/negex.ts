/**
 * A NegEx-style negation and uncertainty stage for the CheXpert-style labeler. The CheXpert
 * labeler runs NegBio's dependency-graph patterns; this is a named approximation: cue phrases
 * before a mention (within a token window) or after it, a scope that stops at clause-ending words
 * and punctuation, and CheXpert's order of decisions: pre-negation uncertainty ("cannot be
 * excluded" carries a negation word but means uncertain), then negation, then uncertainty.
 * The workbench's own scope rules (./workbench-rules.ts: negated lists, "no change in", …) are
 * applied here when enabled.
 *
 * Complexity: tokenizing a sentence of n tokens is O(n); the cue index of a sentence (every full
 * match of every cue, sorted) is built once, in O(n + C) for C cue phrases of bounded length; then
 * classifying one mention is O(C log n) (a binary search per cue for the nearest match), so a
 * sentence with m mentions costs O(n + C + m·C·log n) — near-linear, where a scan over every
 * occurrence of a cue per mention was quadratic on long unpunctuated text.
 */
import type { Observation } from '../data/types.js';
import { ALL_RULES, DEVICE_NOT_NORMAL, LIST_SCOPE, NO_CHANGE, type RuleSet } from './workbench-rules.js';

export type Certainty = 'positive' | 'negative' | 'uncertain';

interface Cue {
  words: string[];
  /** Maximum number of tokens between the cue and the mention. */
  window: number;
  /** The workbench rule that adds this cue (absent for the base NegEx lists). */
  rule?: string;
  /** A normality word ("normal", "unremarkable", "clear"): it describes anatomy (rule device-not-normal). */
  normality?: boolean;
}

function cues(window: number, phrases: string[], rule?: string): Cue[] {
  return phrases.map((p) => ({ words: p.split(' '), window, ...(rule ? { rule } : {}), ...(DEVICE_NOT_NORMAL.normality.includes(p) ? { normality: true } : {}) }));
}

/** Uncertain even though they hold a negation word; looked for anywhere in the mention's clause. */
const PRE_NEGATION_UNCERTAINTY: Cue[] = cues(0, [
  'cannot exclude', 'can not exclude', 'cannot be excluded', 'can not be excluded', 'not be excluded',
  'not excluded', 'cannot rule out', 'can not rule out', 'not be ruled out', 'not ruled out', 'cannot be ruled out',
  'not entirely excluded', 'not definitely', 'not clearly', 'may not',
]);

const NEGATION_BEFORE: Cue[] = [
  ...cues(10, ['no', 'not', 'without', 'negative for', 'free of', 'absence of', 'absent', 'no evidence of',
    'no sign of', 'no signs of', 'resolution of', 'resolved', 'removed', 'removal of', 'clear of', 'rather than', 'neither', 'nor']),
  // "normal heart size", "unremarkable mediastinal contour": a short reach only
  ...cues(4, ['normal', 'unremarkable', 'clear', 'stable normal', 'within normal limits']),
];

const NEGATION_AFTER: Cue[] = [
  ...cues(10, [
    'normal', 'is normal', 'are normal', 'within normal limits', 'unremarkable', 'is clear', 'are clear', 'resolved',
    'has resolved', 'have resolved', 'removed', 'not seen', 'not identified', 'not present', 'not visualized',
    'not demonstrated', 'not appreciated', 'absent', 'is absent', 'not enlarged', 'negative', 'no longer',
    'normal in size', 'top normal', 'limits of normal', 'upper normal', 'is not', 'are not', 'not significantly',
  ]),
];

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

/** The negation cues that head a negated list (rule negated-list) / close one (rule normal-list). */
const LIST_HEADS: Cue[] = cues(0, LIST_SCOPE.heads);
const LIST_TAILS: Cue[] = cues(0, LIST_SCOPE.tails);

/** Words that end a cue's scope. */
const TERMINATION = new Set(['but', 'however', 'although', 'though', 'except', 'which', 'aside', 'apart', 'otherwise', 'whereas', 'yet', 'while', 'given', 'since', 'because', 'due', 'secondary']);
/** Words a cue AFTER a mention may not reach across ("cardiomegaly with normal vascularity"). */
const AFTER_BARRIER = new Set(['with', 'without', 'there', 'in']);
/** Punctuation tokens that end a scope (commas do not: "no effusion, consolidation, or pneumothorax"). */
const CLAUSE_PUNCT = new Set([';', ':', '.', '?', '!']);
const LIST_SEPARATORS = new Set(LIST_SCOPE.separators);
const LIST_BREAKERS = new Set(LIST_SCOPE.breakers);
const LIST_DISJUNCTIONS = new Set(LIST_SCOPE.disjunctions);

/** A sentence as lower-case tokens with their character spans and the prefix indexes the cue search needs. */
export interface TokenizedSentence {
  tokens: string[];
  starts: number[];
  ends: number[];
  /** Positions of each distinct token. */
  positions: Map<string, number[]>;
  /** barriers[i] = number of scope-ending tokens among tokens[0..i-1]; afterBarriers likewise, counting AFTER_BARRIER words too. */
  barriers: Int32Array;
  afterBarriers: Int32Array;
  /** prevBarrier[i] = index of the last scope-ending token before i (−1 if none); nextBarrier[i] = the first after i (n if none). */
  prevBarrier: Int32Array;
  nextBarrier: Int32Array;
  /** disjunctions[i] = number of "or"/"nor" tokens among tokens[0..i-1]. */
  disjunctions: Int32Array;
  /** listStart[i] = the leftmost p such that tokens[p..i-1] can be part of a list reaching token i (rule negated-list). */
  listStart: Int32Array;
  /** listEnd[i] = the rightmost q such that tokens[i+1..q-1] can be part of a list reaching back to token i (rule normal-list). */
  listEnd: Int32Array;
}

const isBarrier = (tok: string): boolean => TERMINATION.has(tok) || CLAUSE_PUNCT.has(tok);

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
  const n = tokens.length;
  const positions = new Map<string, number[]>();
  const barriers = new Int32Array(n + 1);
  const afterBarriers = new Int32Array(n + 1);
  const disjunctions = new Int32Array(n + 1);
  const prevBarrier = new Int32Array(n);
  const nextBarrier = new Int32Array(n);
  const listStart = new Int32Array(n + 1);
  const listEnd = new Int32Array(n);
  const maxItem = LIST_SCOPE.maxItemTokens;
  let lastBarrier = -1;
  // the list reach: no barrier or list breaker, and no run of more than maxItem tokens without a separator
  let blocked = -1; // last barrier or breaker
  let run = 0; // tokens since the last separator
  let deep = -1; // last token ending a run longer than maxItem
  for (let i = 0; i < n; i++) {
    const t = tokens[i];
    const p = positions.get(t);
    if (p) p.push(i);
    else positions.set(t, [i]);
    const b = isBarrier(t);
    barriers[i + 1] = barriers[i] + (b ? 1 : 0);
    afterBarriers[i + 1] = afterBarriers[i] + (b || AFTER_BARRIER.has(t) ? 1 : 0);
    disjunctions[i + 1] = disjunctions[i] + (LIST_DISJUNCTIONS.has(t) ? 1 : 0);
    prevBarrier[i] = lastBarrier;
    if (b) lastBarrier = i;
    if (b || LIST_BREAKERS.has(t)) (blocked = i), (run = 0);
    else if (LIST_SEPARATORS.has(t)) run = 0;
    else if (++run > maxItem) deep = i;
    listStart[i + 1] = Math.max(blocked + 1, deep - maxItem + 1);
  }
  let next = n;
  blocked = n;
  run = 0;
  deep = n;
  for (let i = n - 1; i >= 0; i--) {
    nextBarrier[i] = next;
    listEnd[i] = Math.min(blocked, deep + maxItem);
    const t = tokens[i];
    if (isBarrier(t)) next = i;
    if (isBarrier(t) || AFTER_BARRIER.has(t) || LIST_BREAKERS.has(t)) (blocked = i), (run = 0);
    else if (LIST_SEPARATORS.has(t)) run = 0;
    else if (++run > maxItem) deep = i;
  }
  return { tokens, starts, ends, positions, barriers, afterBarriers, prevBarrier, nextBarrier, disjunctions, listStart, listEnd };
}

/** Sorted start positions of the full matches of every cue of a list in a sentence (built once per sentence and list). */
const cueIndexes = new WeakMap<TokenizedSentence, Map<Cue[], Int32Array[]>>();
function cueIndex(s: TokenizedSentence, list: Cue[]): Int32Array[] {
  let bySentence = cueIndexes.get(s);
  if (!bySentence) cueIndexes.set(s, (bySentence = new Map()));
  let index = bySentence.get(list);
  if (index) return index;
  index = list.map((cue) => {
    const at = (s.positions.get(cue.words[0]) ?? []).filter((i) => cue.words.every((w, k) => s.tokens[i + k] === w));
    return Int32Array.from(at);
  });
  bySentence.set(list, index);
  return index;
}

/** Index of the first element > x in a sorted array (its length if none). */
export function firstAbove(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last element ≤ x in a sorted array (−1 if none). */
const lastAtMost = (a: ArrayLike<number>, x: number): number => firstAbove(a, x) - 1;

/** Which cues apply: the base ones and those of enabled rules; normality cues not for a device under rule device-not-normal. */
interface CueFilter {
  rules: RuleSet;
  skipNormality: boolean;
}
const enabled = (cue: Cue, f: CueFilter): boolean => (cue.rule === undefined || f.rules.has(cue.rule)) && !(f.skipNormality && cue.normality);

/** "no significant change in …": the negation word negates the change, not the finding (rule no-change). */
function negatesChange(s: TokenizedSentence, at: number, n: number): boolean {
  for (let k = at + n; k < s.tokens.length && k <= at + n + NO_CHANGE.maxModifiers; k++) {
    if (NO_CHANGE.changeWords.includes(s.tokens[k])) return true;
    if (!NO_CHANGE.modifiers.includes(s.tokens[k])) return false;
  }
  return false;
}

/**
 * The nearest cue ending at or before token `first` (nothing clause-ending in between, within its
 * window). The nearest match of each cue decides, since window and barriers only get worse farther out.
 */
function cueBefore(s: TokenizedSentence, first: number, list: Cue[], f: CueFilter): boolean {
  const index = cueIndex(s, list);
  for (let c = 0; c < list.length; c++) {
    const cue = list[c];
    if (!enabled(cue, f)) continue;
    const n = cue.words.length;
    const at = index[c];
    for (let k = lastAtMost(at, first - n); k >= 0; k--) {
      const end = at[k] + n;
      if (first - end > cue.window || s.barriers[first] - s.barriers[end] !== 0) break;
      // a "no" that negates a change is no negation cue; look one match farther out
      if (f.rules.has(NO_CHANGE.rule) && list === NEGATION_BEFORE && negatesChange(s, at[k], n)) continue;
      return true;
    }
  }
  return false;
}

/** The nearest cue starting after token `last` (nothing clause-ending in between, within its window). */
function cueAfter(s: TokenizedSentence, last: number, list: Cue[], f: CueFilter): boolean {
  const index = cueIndex(s, list);
  for (let c = 0; c < list.length; c++) {
    const cue = list[c];
    if (!enabled(cue, f)) continue;
    const at = index[c];
    for (let k = lastAtMost(at, last) + 1; k < at.length; k++) {
      if (at[k] - last - 1 > cue.window || s.afterBarriers[at[k]] - s.afterBarriers[last + 1] !== 0) break;
      // "effusion is not significantly changed": the negation is of the change
      if (f.rules.has(NO_CHANGE.rule) && list === NEGATION_AFTER && negatesChange(s, at[k], cue.words.length)) continue;
      return true;
    }
  }
  return false;
}

/** A cue of the list with all its tokens inside [a, b]. */
function cueWithin(s: TokenizedSentence, a: number, b: number, list: Cue[]): boolean {
  const index = cueIndex(s, list);
  for (let c = 0; c < list.length; c++) {
    const at = index[c];
    const k = lastAtMost(at, a - 1) + 1;
    if (k < at.length && at[k] + list[c].words.length - 1 <= b) return true;
  }
  return false;
}

/**
 * Rule negated-list: a negation cue heading a disjunctive list ("no A, B, C, or D") reaches every
 * item however far; rule normal-list: "A, B and C are normal" reaches back over its list.
 */
function listNegation(s: TokenizedSentence, first: number, last: number, a: number, b: number, f: CueFilter): boolean {
  const { rules } = f;
  if (rules.has(LIST_SCOPE.headRule) && s.disjunctions[b + 1] - s.disjunctions[a] > 0) {
    const index = cueIndex(s, LIST_HEADS);
    for (let c = 0; c < LIST_HEADS.length; c++) {
      const n = LIST_HEADS[c].words.length;
      const k = lastAtMost(index[c], first - n);
      if (k >= 0 && index[c][k] + n >= s.listStart[first] && !(rules.has(NO_CHANGE.rule) && negatesChange(s, index[c][k], n))) return true;
    }
  }
  // the list tails are normality words: not for a device under rule device-not-normal
  if (rules.has(LIST_SCOPE.tailRule) && !f.skipNormality) {
    const index = cueIndex(s, LIST_TAILS);
    for (let c = 0; c < LIST_TAILS.length; c++) {
      const k = lastAtMost(index[c], last) + 1;
      if (k < index[c].length && index[c][k] <= s.listEnd[last]) return true;
    }
  }
  return false;
}

/**
 * Classify the mention spanning tokens [first, last] of a sentence (workbench rules: all enabled
 * unless given; the observation, where known, lets rule device-not-normal apply).
 */
export function classifyMention(s: TokenizedSentence, first: number, last: number, rules: RuleSet = ALL_RULES, observation?: Observation): Certainty {
  const f: CueFilter = { rules, skipNormality: observation === 'Support Devices' && rules.has(DEVICE_NOT_NORMAL.rule) };
  // the clause (between barriers) around the mention
  const a = s.prevBarrier[first] + 1;
  const b = s.nextBarrier[last] - 1;
  if (cueWithin(s, a, b, PRE_NEGATION_UNCERTAINTY)) return 'uncertain';
  if (cueBefore(s, first, NEGATION_BEFORE, f) || cueAfter(s, last, NEGATION_AFTER, f)) return 'negative';
  if (listNegation(s, first, last, a, b, f)) return 'negative';
  if (cueBefore(s, first, UNCERTAINTY_BEFORE, f) || cueAfter(s, last, UNCERTAINTY_AFTER, f)) return 'uncertain';
  return 'positive';
}
