/**
 * METEOR as NLTK's `meteor_score` computes it (nltk.translate.meteor_score, NLTK 3.8) — the open
 * reference, not the Java METEOR 1.5 that pycocoevalcap runs. Tokens: whitespace split, lower-cased.
 * Alignment in three stages, each greedy from the last hypothesis word backwards against the last
 * reference word backwards: exact match, then Porter-stem match, then WordNet synonym match. As in
 * NLTK, the synonym stage sees the words left over by the stem stage in their STEMMED form.
 * Score: Fmean = P·R / (α·P + (1 − α)·R), penalty = γ·(chunks / matches)^β, METEOR = (1 − penalty)·Fmean;
 * α = 0.9, β = 3, γ = 0.5; with several references, the best score.
 */
import { whitespaceTokens } from './bleu.js';
import { CachedStemmer } from '../text/porter.js';
import { defaultWordNet, type WordNet } from './wordnet.js';

export interface MeteorOptions {
  alpha?: number;
  beta?: number;
  gamma?: number;
  wordnet?: WordNet;
}

type Enum = { idx: number; word: string }[];
type Match = [hyp: number, ref: number];

const stemmer = new CachedStemmer();
const synonymCache = new WeakMap<WordNet, Map<string, Set<string>>>();

function synonyms(wn: WordNet, word: string): Set<string> {
  let cache = synonymCache.get(wn);
  if (!cache) synonymCache.set(wn, (cache = new Map()));
  let s = cache.get(word);
  if (!s) {
    s = new Set(wn.synonymNames(word).filter((n) => !n.includes('_')));
    s.add(word);
    cache.set(word, s);
  }
  return s;
}

/** Greedy matching (NLTK's `_match_enums`): removes the matched words from both lists. */
function matchEnums(hyp: Enum, ref: Enum, same: (h: string, r: string) => boolean): Match[] {
  const out: Match[] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    for (let j = ref.length - 1; j >= 0; j--) {
      if (same(hyp[i].word, ref[j].word)) {
        out.push([hyp[i].idx, ref[j].idx]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
  return out;
}

/** The word alignment: exact, then stem, then WordNet synonym matches, sorted by hypothesis position. */
export function alignWords(hypTokens: readonly string[], refTokens: readonly string[], wn: WordNet): Match[] {
  let hyp: Enum = hypTokens.map((word, idx) => ({ idx, word }));
  let ref: Enum = refTokens.map((word, idx) => ({ idx, word }));
  const exact = matchEnums(hyp, ref, (a, b) => a === b);
  hyp = hyp.map((e) => ({ idx: e.idx, word: stemmer.stem(e.word) }));
  ref = ref.map((e) => ({ idx: e.idx, word: stemmer.stem(e.word) }));
  const stem = matchEnums(hyp, ref, (a, b) => a === b);
  const syn: Match[] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const s = synonyms(wn, hyp[i].word);
    for (let j = ref.length - 1; j >= 0; j--) {
      if (s.has(ref[j].word)) {
        syn.push([hyp[i].idx, ref[j].idx]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
  return [...exact, ...stem, ...syn].sort((a, b) => a[0] - b[0]);
}

/** The fewest chunks of adjacent matches (both sides consecutive). */
export function countChunks(matches: readonly Match[]): number {
  let chunks = 1;
  for (let i = 0; i < matches.length - 1; i++) {
    if (!(matches[i + 1][0] === matches[i][0] + 1 && matches[i + 1][1] === matches[i][1] + 1)) chunks++;
  }
  return chunks;
}

/** METEOR of pre-split, lower-cased tokens against one reference. */
export function singleMeteor(hyp: readonly string[], ref: readonly string[], opts: MeteorOptions = {}): number {
  const { alpha = 0.9, beta = 3, gamma = 0.5 } = opts;
  const wn = opts.wordnet ?? defaultWordNet();
  if (hyp.length === 0 || ref.length === 0) return 0;
  const matches = alignWords(hyp, ref, wn);
  const m = matches.length;
  if (m === 0) return 0;
  const precision = m / hyp.length;
  const recall = m / ref.length;
  const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall);
  const fragFrac = countChunks(matches) / m;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/** NLTK `meteor_score`: the best single-reference METEOR over the references (whitespace tokens, lower-cased). */
export function meteorScore(hyp: string, refs: readonly string[], opts: MeteorOptions = {}): number {
  if (refs.length === 0) throw new Error('METEOR: a hypothesis needs at least one reference');
  const h = whitespaceTokens(hyp).map((w) => w.toLowerCase());
  let best = 0;
  for (const r of refs) best = Math.max(best, singleMeteor(h, whitespaceTokens(r).map((w) => w.toLowerCase()), opts));
  return best;
}

/** Corpus METEOR: the mean of per-report scores (as pycocoevalcap reports it), and the per-report values. */
export function corpusMeteor(hyps: readonly string[], refs: readonly (readonly string[])[], opts: MeteorOptions = {}): { meteor: number; perReport: number[] } {
  if (hyps.length !== refs.length) throw new Error(`METEOR: ${hyps.length} hypotheses but ${refs.length} reference lists`);
  const perReport = hyps.map((h, i) => meteorScore(h, refs[i], opts));
  return { meteor: perReport.length ? perReport.reduce((s, x) => s + x, 0) / perReport.length : 0, perReport };
}
