/**
 * A CheXpert-style RULE labeler (not CheXbert, which is a trained BERT model with no weights here):
 * the CheXpert labeler's mention and unmention phrase lists (read from
 * ../shared/data/chexpert-phrases/phrases), a NegEx-style negation and uncertainty stage
 * (./negex.ts, an approximation of NegBio's patterns) and the CheXpert aggregation rules:
 * per observation, positive beats uncertain beats negative; "chf"/"heart failure" mentioned
 * positively or uncertainly makes Cardiomegaly uncertain when it is otherwise unmentioned; No
 * Finding is positive when no observation other than Support Devices (including the "other
 * finding" phrases of no_finding.txt) is positive or uncertain, and is otherwise left blank.
 * On top of these, the workbench's own named rules (./workbench-rules.ts: extra phrases matched at
 * word boundaries, negated lists, "no change in", anatomy-only heart/mediastinum mentions, …),
 * all applied by default; `NO_RULES` gives the upstream lists with the NegEx-style stage alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHEXPERT_OBSERVATIONS, type LabelValue, type Labels, type Observation } from '../data/types.js';
import { PROJECT_ROOT } from '../util/paths.js';
import { classifyMention, firstAbove, tokenizeSentence, type Certainty, type TokenizedSentence } from './negex.js';
import { PhraseMatcher } from './phrase-matcher.js';
import { ALL_RULES, ANATOMY_MENTIONS, DISCLAIMER, PHRASE_RULES, type RuleSet } from './workbench-rules.js';


export interface PhraseLists {
  mention: Map<Observation, string[]>;
  unmention: Map<Observation, string[]>;
}

/** "pleural_effusion.txt" -> "Pleural Effusion" (as the CheXpert labeler names its categories). */
function observationOfFile(file: string): Observation {
  const name = file.replace(/\.txt$/, '').split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
  const obs = CHEXPERT_OBSERVATIONS.find((o) => o === name);
  if (!obs) throw new Error(`CheXpert phrases: ${file} names no CheXpert observation`);
  return obs;
}

/** The CheXpert labeler's phrase lists, bundled with the workbench (MIT; resources/chexpert-phrases). */
export const BUNDLED_PHRASES = join(PROJECT_ROOT, 'resources', 'chexpert-phrases', 'phrases');

/** Read the phrase lists ("_" in a phrase stands for a space, as in the CheXpert labeler). */
export function loadPhraseLists(dir?: string): PhraseLists {
  const root = dir ?? BUNDLED_PHRASES;
  if (!existsSync(root)) throw new Error(`CheXpert-style labeler: phrase lists not found in ${root}`);
  const read = (kind: string): Map<Observation, string[]> => {
    const m = new Map<Observation, string[]>();
    const d = join(root, kind);
    if (!existsSync(d)) return m;
    for (const f of readdirSync(d).filter((x) => x.endsWith('.txt')).sort()) {
      const phrases = readFileSync(join(d, f), 'utf8').split('\n').map((l) => l.trim().replace(/_/g, ' ')).filter((l) => l.length > 0);
      m.set(observationOfFile(f), phrases);
    }
    return m;
  };
  return { mention: read('mention'), unmention: read('unmention') };
}

let defaultLists: PhraseLists | null = null;
function lists(): PhraseLists {
  return (defaultLists ??= loadPhraseLists());
}

/** A mention found in a report: observation, the matched phrase and its classification. */
export interface Mention {
  observation: Observation;
  phrase: string;
  sentence: number;
  certainty: Certainty;
}

/** Lower-case, one line, then sentences split at . ? ! (not inside numbers like 2.5) and at newlines. */
export function splitSentences(text: string): string[] {
  return text
    .toLowerCase()
    .split(/(?<![0-9])[.?!](?![0-9])|\n+/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);
}

interface PhraseMeta {
  observation: Observation;
  /** An unmention phrase (a mention overlapping one of the same observation is not a mention). */
  unmention: boolean;
  /** The workbench rule that adds the phrase (absent for the upstream lists). */
  rule?: string;
  /** Rule phrases match at word boundaries: at its start always, at its end unless written with a trailing `*`. */
  wordStart: boolean;
  wordEnd: boolean;
}

interface CompiledLists {
  matcher: PhraseMatcher;
  /** Per phrase of the matcher. */
  meta: PhraseMeta[];
}
const compiled = new WeakMap<PhraseLists, CompiledLists>();

/**
 * One automaton over the upstream phrases and the workbench's phrase rules, in the CheXpert order
 * (observation by observation as the lists are read, each observation's rule phrases after its
 * upstream ones; then the unmentions).
 */
function compile(phrases: PhraseLists): CompiledLists {
  let c = compiled.get(phrases);
  if (c) return c;
  const list: string[] = [];
  const meta: PhraseMeta[] = [];
  const upstream = (p: string, observation: Observation, unmention: boolean) => (list.push(p), meta.push({ observation, unmention, wordStart: false, wordEnd: false }));
  const ruled = (unmention: boolean, only?: Observation) => {
    for (const r of PHRASE_RULES) {
      if (r.kind !== (unmention ? 'unmention' : 'mention') || (only !== undefined && r.observation !== only)) continue;
      for (const p of r.phrases) {
        const open = p.endsWith('*');
        list.push(open ? p.slice(0, -1) : p);
        meta.push({ observation: r.observation, unmention, rule: r.name, wordStart: true, wordEnd: !open });
      }
    }
  };
  for (const [observation, ps] of phrases.mention) (ps.forEach((p) => upstream(p, observation, false)), ruled(false, observation));
  for (const r of PHRASE_RULES) if (r.kind === 'mention' && !phrases.mention.has(r.observation)) ruled(false, r.observation);
  for (const [observation, ps] of phrases.unmention) ps.forEach((p) => upstream(p, observation, true));
  ruled(true);
  c = { matcher: new PhraseMatcher(list), meta };
  compiled.set(phrases, c);
  return c;
}

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[a-z0-9]/.test(ch);

/** Unmention spans of one observation, sorted by start, with the running maximum of their ends: an overlap test in O(log u). */
class SpanSet {
  private readonly starts: number[];
  private readonly maxEnd: number[];
  constructor(spans: { start: number; end: number }[]) {
    spans.sort((x, y) => x.start - y.start);
    this.starts = spans.map((x) => x.start);
    let m = -Infinity;
    this.maxEnd = spans.map((x) => (m = Math.max(m, x.end)));
  }
  overlaps(start: number, end: number): boolean {
    const k = firstAbove(this.starts, end - 1) - 1; // the last span starting before `end`
    return k >= 0 && this.maxEnd[k] > start;
  }
}

/** A token of `words` inside the clause of tokens [first, last] (binary search in each word's positions). */
function clauseHas(s: TokenizedSentence, first: number, last: number, words: readonly string[]): boolean {
  const a = s.prevBarrier[first] + 1;
  const b = s.nextBarrier[last] - 1;
  for (const w of words) {
    const at = s.positions.get(w);
    if (!at) continue;
    const k = firstAbove(at, a - 1);
    if (k < at.length && at[k] <= b) return true;
  }
  return false;
}

/** Rule sensitivity-disclaimer: the mention is followed at once by "(are|is) may not be demonstrated", …. */
function disclaimed(s: TokenizedSentence, last: number): boolean {
  let k = last + 1;
  if (s.tokens[k] === 'are' || s.tokens[k] === 'is') k++;
  return DISCLAIMER_WORDS.some((ws) => ws.every((w, q) => s.tokens[k + q] === w));
}
const DISCLAIMER_WORDS = DISCLAIMER.after.map((p) => p.split(' '));

/** Whether the workbench's mention rules keep a classified mention (anatomy-needs-abnormality, sensitivity-disclaimer). */
function keepMention(observation: Observation, phrase: string, certainty: Certainty, s: TokenizedSentence, first: number, last: number, rules: RuleSet): boolean {
  if (rules.has(DISCLAIMER.rule) && disclaimed(s, last)) return false;
  const anatomy = rules.has(ANATOMY_MENTIONS.rule) && (observation === 'Cardiomegaly' || observation === 'Enlarged Cardiomediastinum') ? ANATOMY_MENTIONS[observation] : null;
  if (anatomy && (anatomy.phrases as readonly string[]).includes(phrase)) {
    // the bare word "heart" (a rule phrase) needs the abnormality word whatever its certainty
    if ((certainty !== 'negative' || phrase === 'heart') && !clauseHas(s, first, last, anatomy.abnormal)) return false;
  }
  return true;
}

/**
 * Every mention in a report, classified (per sentence, in the CheXpert order of the phrase lists),
 * with the workbench rules in `rules` applied (default: all; NO_RULES gives the upstream lists alone).
 *
 * Complexity: O(L) to split and scan the text of L characters (one automaton pass), then per
 * sentence O(n) to tokenize and O(m log m) to order its m matches, and per mention O(log n) to find
 * its tokens, O(log u) to test the u unmentions and O(C log n) to classify it: near-linear in L.
 */
export function findMentions(text: string, phrases: PhraseLists = lists(), rules: RuleSet = ALL_RULES): Mention[] {
  const { matcher, meta } = compile(phrases);
  const out: Mention[] = [];
  splitSentences(text).forEach((raw, si) => {
    // padded with spaces so that phrases written with a leading/trailing "_" match at the edges
    const sentence = ` ${raw} `;
    const matches = matcher.matchAll(sentence).filter(({ phrase, start, end }) => {
      const m = meta[phrase];
      if (m.rule !== undefined && !rules.has(m.rule)) return false;
      return !(m.wordStart && isWordChar(sentence[start - 1])) && !(m.wordEnd && isWordChar(sentence[end]));
    });
    if (matches.length === 0) return;
    const tok = tokenizeSentence(sentence);
    const spans = new Map<Observation, { start: number; end: number }[]>();
    for (const u of matches) {
      if (!meta[u.phrase].unmention) continue;
      const o = meta[u.phrase].observation;
      const l = spans.get(o);
      if (l) l.push(u);
      else spans.set(o, [u]);
    }
    const unmentions = new Map([...spans].map(([o, l]) => [o, new SpanSet(l)]));
    // the CheXpert order: observation by observation, phrase by phrase, occurrence by occurrence
    const mentions = matches.filter((m) => !meta[m.phrase].unmention).sort((a, b) => a.phrase - b.phrase || a.start - b.start);
    for (const { phrase, start, end } of mentions) {
      const { observation } = meta[phrase];
      if (unmentions.get(observation)?.overlaps(start, end)) continue;
      // the tokens the match touches
      const first = firstAbove(tok.ends, start);
      const last = firstAbove(tok.starts, end - 1) - 1;
      if (first >= tok.tokens.length || last < first) continue;
      const certainty = classifyMention(tok, first, last, rules, observation);
      const text = matcher.phrases[phrase];
      if (!keepMention(observation, text, certainty, tok, first, last, rules)) continue;
      out.push({ observation, phrase: text, sentence: si, certainty });
    }
  });
  return out;
}

const VALUE: Record<Certainty, LabelValue> = { positive: 1, negative: 0, uncertain: -1 };
/** Positive beats uncertain beats negative. */
const RANK: Record<number, number> = { 1: 2, [-1]: 1, 0: 0 };

/** The 14 CheXpert labels of one report (1 positive, 0 negative, -1 uncertain; absent = not mentioned). */
export function labelReport(text: string, phrases?: PhraseLists, rules: RuleSet = ALL_RULES): Labels {
  const labels: Labels = {};
  let noFinding = true;
  for (const m of findMentions(text, phrases, rules)) {
    const value = VALUE[m.certainty];
    if (m.observation !== 'Support Devices' && value !== 0) noFinding = false;
    if (m.observation === 'No Finding') continue;
    if (value !== 0 && (m.phrase === 'chf' || m.phrase === 'heart failure') && labels.Cardiomegaly === undefined) labels.Cardiomegaly = -1;
    const prev = labels[m.observation];
    if (prev === undefined || RANK[value] > RANK[prev]) labels[m.observation] = value;
  }
  if (noFinding) labels['No Finding'] = 1;
  return labels;
}
