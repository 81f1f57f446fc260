/**
 * A CheXpert-style RULE labeler (not CheXbert, which is a trained BERT model with no weights here):
 * the CheXpert labeler's mention and unmention phrase lists (read from
 * ../shared/data/chexpert-phrases/phrases), a NegEx-style negation and uncertainty stage
 * (./negex.ts, an approximation of NegBio's patterns) and the CheXpert aggregation rules:
 * per observation, positive beats uncertain beats negative; "chf"/"heart failure" mentioned
 * positively or uncertainly makes Cardiomegaly uncertain when it is otherwise unmentioned; No
 * Finding is positive when no observation other than Support Devices (including the "other
 * finding" phrases of no_finding.txt) is positive or uncertain, and is otherwise left blank.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHEXPERT_OBSERVATIONS, type LabelValue, type Labels, type Observation } from '../data/types.js';
import { PROJECT_ROOT } from '../util/paths.js';
import { classifyMention, tokenizeSentence, type Certainty } from './negex.js';
import { PhraseMatcher } from './phrase-matcher.js';


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

interface CompiledLists {
  matcher: PhraseMatcher;
  /** Per phrase of the matcher: its observation and whether it is an unmention phrase. */
  meta: { observation: Observation; unmention: boolean }[];
}
const compiled = new WeakMap<PhraseLists, CompiledLists>();

function compile(phrases: PhraseLists): CompiledLists {
  let c = compiled.get(phrases);
  if (c) return c;
  const list: string[] = [];
  const meta: CompiledLists['meta'] = [];
  for (const [kind, m] of [['mention', phrases.mention], ['unmention', phrases.unmention]] as const) {
    for (const [observation, ps] of m) for (const p of ps) (list.push(p), meta.push({ observation, unmention: kind === 'unmention' }));
  }
  c = { matcher: new PhraseMatcher(list), meta };
  compiled.set(phrases, c);
  return c;
}

/** Every mention in a report, classified (per sentence, in the order of the phrase lists). */
export function findMentions(text: string, phrases: PhraseLists = lists()): Mention[] {
  const { matcher, meta } = compile(phrases);
  const out: Mention[] = [];
  splitSentences(text).forEach((raw, si) => {
    // padded with spaces so that phrases written with a leading/trailing "_" match at the edges
    const sentence = ` ${raw} `;
    const matches = matcher.matchAll(sentence);
    if (matches.length === 0) return;
    const tok = tokenizeSentence(sentence);
    const unmentions = matches.filter((m) => meta[m.phrase].unmention);
    // the CheXpert order: observation by observation, phrase by phrase, occurrence by occurrence
    const mentions = matches.filter((m) => !meta[m.phrase].unmention).sort((a, b) => a.phrase - b.phrase || a.start - b.start);
    for (const { phrase, start, end } of mentions) {
      const { observation } = meta[phrase];
      if (unmentions.some((u) => meta[u.phrase].observation === observation && start < u.end && end > u.start)) continue;
      // the tokens the match touches
      const first = tok.ends.findIndex((e) => e > start);
      let last = -1;
      for (let k = 0; k < tok.starts.length; k++) if (tok.starts[k] < end) last = k;
      if (first < 0 || last < first) continue;
      out.push({ observation, phrase: matcher.phrases[phrase], sentence: si, certainty: classifyMention(tok, first, last) });
    }
  });
  return out;
}

const VALUE: Record<Certainty, LabelValue> = { positive: 1, negative: 0, uncertain: -1 };
/** Positive beats uncertain beats negative. */
const RANK: Record<number, number> = { 1: 2, [-1]: 1, 0: 0 };

/** The 14 CheXpert labels of one report (1 positive, 0 negative, -1 uncertain; absent = not mentioned). */
export function labelReport(text: string, phrases?: PhraseLists): Labels {
  const labels: Labels = {};
  let noFinding = true;
  for (const m of findMentions(text, phrases)) {
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
