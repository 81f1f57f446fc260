/**
 * METEOR as NLTK's `meteor_score` computes it (nltk.translate.meteor_score, NLTK 3.8) — the open
 * reference, not the Java METEOR 1.5 that pycocoevalcap runs. Tokens: whitespace split, lower-cased.
 * Alignment in three stages, each greedy from the last hypothesis word backwards against the last
 * reference word backwards: exact match, then Porter-stem match, then WordNet synonym match. As in
 * NLTK, the synonym stage sees the words left over by the stem stage in their STEMMED form.
 * Score: Fmean = P·R / (α·P + (1 − α)·R), penalty = γ·(chunks / matches)^β, METEOR = (1 − penalty)·Fmean;
 * α = 0.9, β = 3, γ = 0.5; with several references, the best score.
 *
 * Complexity: the alignment finds NLTK's greedy matches through per-word stacks (see `alignWords`),
 * O(n + m) for n hypothesis and m reference tokens plus a cached Porter stem per token and, per
 * unmatched hypothesis word, one look-up per member of its (cached) WordNet synonym set; then
 * O(k log k) to sort the k matches and O(k) to count chunks: near-linear in the prediction.
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

/**
 * The words of one side still unmatched, by word: each word's positions (in the side's current
 * order, ascending) on a stack, so the LAST remaining occurrence of a word is found in O(1).
 */
class Remaining {
  private readonly byWord = new Map<string, number[]>();
  constructor(readonly items: Enum) {
    items.forEach((e, k) => {
      const s = this.byWord.get(e.word);
      if (s) s.push(k);
      else this.byWord.set(e.word, [k]);
    });
  }
  /** Position (in `items`) of the last remaining occurrence of `word`, or −1. */
  last(word: string): number {
    const s = this.byWord.get(word);
    return s && s.length ? s[s.length - 1] : -1;
  }
  /** Remove the last remaining occurrence of `word` (the one `last` returned). */
  take(word: string): void {
    this.byWord.get(word)!.pop();
  }
}

/**
 * Greedy matching as NLTK's `_match_enums` / `_enum_wordnetsyn_match`: hypothesis words from the
 * last backwards, each matched to the LAST remaining reference word that `candidates` of it names
 * (the word itself, or its synonym set); matched words leave both lists. NLTK scans the reference
 * list for every hypothesis word and pops from Python lists (O(n·m)); the same matches are found
 * here through per-word stacks in O(n·c + m), c the size of a candidate set (1 for exact and stem
 * matches, a word's WordNet synonyms for the synonym stage).
 */
function matchGreedy(hyp: Enum, ref: Enum, candidates: (h: string) => Iterable<string>): { matches: Match[]; hyp: Enum; ref: Enum } {
  const remaining = new Remaining(ref);
  const refUsed = new Uint8Array(ref.length);
  const hypUsed = new Uint8Array(hyp.length);
  const matches: Match[] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    let best = -1;
    let bestWord = '';
    for (const w of candidates(hyp[i].word)) {
      const k = remaining.last(w);
      if (k > best) (best = k), (bestWord = w);
    }
    if (best < 0) continue;
    remaining.take(bestWord);
    refUsed[best] = 1;
    hypUsed[i] = 1;
    matches.push([hyp[i].idx, ref[best].idx]);
  }
  return { matches, hyp: hyp.filter((_, i) => !hypUsed[i]), ref: ref.filter((_, k) => !refUsed[k]) };
}

/**
 * The word alignment: exact, then stem, then WordNet synonym matches, sorted by hypothesis position.
 * Complexity: O((n + m)·s + n·c) for n hypothesis and m reference tokens (s: the cost of a cached
 * Porter stem, c: the largest synonym set met) plus O(k log k) to sort the k ≤ min(n, m) matches —
 * linear in each side, where NLTK's list scans are O(n·m).
 */
export function alignWords(hypTokens: readonly string[], refTokens: readonly string[], wn: WordNet): Match[] {
  const exact = matchGreedy(hypTokens.map((word, idx) => ({ idx, word })), refTokens.map((word, idx) => ({ idx, word })), (h) => [h]);
  const stemmed = (e: Enum): Enum => e.map(({ idx, word }) => ({ idx, word: stemmer.stem(word) }));
  const stem = matchGreedy(stemmed(exact.hyp), stemmed(exact.ref), (h) => [h]);
  const syn = matchGreedy(stem.hyp, stem.ref, (h) => synonyms(wn, h));
  return [...exact.matches, ...stem.matches, ...syn.matches].sort((a, b) => a[0] - b[0]);
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
