/**
 * Byte-level BPE tokenizer for the instruction corpus, with special tokens for the paper's
 * response format and a compact coordinate vocabulary.
 *
 * Why byte-level BPE: every string round-trips exactly (any character falls back to its UTF-8
 * bytes), while the small, repetitive radiology vocabulary compresses into whole-word merges.
 * A word-piece vocabulary would need an `<unk>` for unseen characters and would lose text.
 *
 * Layout of the ids: special tokens, then the 256 bytes, then `coordBins` coordinate tokens
 * (`<c0>` … `<c{coordBins-1}>`), then the learned merges in rank order.
 *
 * Compact boxes: a box written canonically, `[x_min, y_min, x_max, y_max]` with integers in
 * [0, coordBins) and no leading zeros (what `formatBox` writes), is encoded as 5 tokens:
 * `<box>` and four coordinate tokens. Decoding writes the brackets and the `, ` separators back.
 * A box in any other spelling is tokenized as ordinary text, so the round trip stays exact.
 */

export const PAD = '<pad>';
export const BOS = '<bos>';
export const EOS = '<eos>';
/** Separates the prompt from the answer the model writes. */
export const ASSISTANT = '<assistant>';
export const BOX = '<box>';
/** Specials whose text appears literally in responses (encoded as one token each). */
export const TEXT_SPECIALS = ['<think>', '</think>', '\\boxed{'] as const;
export const SPECIALS = [PAD, BOS, EOS, ASSISTANT, BOX, ...TEXT_SPECIALS] as const;

const PRETOKEN_RE = / ?[A-Za-z]+| ?\d| ?[^\sA-Za-z\d]+|\s+/g;

export interface TokenizerJson {
  kind: 'deepmedix-bpe';
  version: 1;
  specials: string[];
  coordBins: number;
  merges: [number, number][];
}

export interface TrainTokenizerOptions {
  /** Total vocabulary size wanted (specials + 256 bytes + coordinates + merges). */
  vocabSize: number;
  /** Number of coordinate tokens (coordinates 0 … coordBins−1 encode compactly). */
  coordBins?: number;
  /** Pairs seen fewer times than this are never merged. */
  minPairCount?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export class Tokenizer {
  readonly specials: readonly string[];
  readonly coordBins: number;
  readonly merges: readonly [number, number][];
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly assistantId: number;
  readonly boxId: number;
  private readonly byteBase: number;
  private readonly coordBase: number;
  private readonly mergeBase: number;
  private readonly rank = new Map<string, number>();
  /** Bytes each id stands for (empty for specials and coordinates). */
  private readonly bytesOf: Uint8Array[] = [];
  private readonly chunkCache = new Map<string, number[]>();
  private readonly textSpecialRe: RegExp;

  constructor(json: TokenizerJson) {
    if (json.kind !== 'deepmedix-bpe' || json.version !== 1) throw new Error(`tokenizer: unsupported format ${json.kind}/${json.version}`);
    this.specials = json.specials;
    this.coordBins = json.coordBins;
    this.merges = json.merges;
    const sid = (s: string) => {
      const i = this.specials.indexOf(s);
      if (i < 0) throw new Error(`tokenizer: special token ${s} missing`);
      return i;
    };
    this.padId = sid(PAD);
    this.bosId = sid(BOS);
    this.eosId = sid(EOS);
    this.assistantId = sid(ASSISTANT);
    this.boxId = sid(BOX);
    this.byteBase = this.specials.length;
    this.coordBase = this.byteBase + 256;
    this.mergeBase = this.coordBase + this.coordBins;
    for (let i = 0; i < this.mergeBase; i++) {
      this.bytesOf.push(i >= this.byteBase && i < this.coordBase ? Uint8Array.of(i - this.byteBase) : new Uint8Array(0));
    }
    json.merges.forEach(([a, b], r) => {
      const id = this.mergeBase + r;
      if (a >= id || b >= id || a < this.byteBase || b < this.byteBase) throw new Error(`tokenizer: merge ${r} refers to an invalid id`);
      this.rank.set(`${a},${b}`, r);
      const x = this.bytesOf[a];
      const y = this.bytesOf[b];
      const m = new Uint8Array(x.length + y.length);
      m.set(x);
      m.set(y, x.length);
      this.bytesOf.push(m);
    });
    const esc = TEXT_SPECIALS.map((s) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
    this.textSpecialRe = new RegExp(`(${esc.join('|')})|\\[(0|[1-9]\\d{0,3}), (0|[1-9]\\d{0,3}), (0|[1-9]\\d{0,3}), (0|[1-9]\\d{0,3})\\]`, 'g');
  }

  get vocabSize(): number {
    return this.mergeBase + this.merges.length;
  }

  coordId(v: number): number {
    return this.coordBase + v;
  }

  isCoord(id: number): boolean {
    return id >= this.coordBase && id < this.mergeBase;
  }

  /** Encode text to ids (no BOS/EOS added). */
  encode(text: string): number[] {
    const out: number[] = [];
    this.scan(text, (plain) => this.encodePlain(plain, out), (ids) => out.push(...ids));
    return out;
  }

  /** The plain-text pieces of a string (between special tokens and compact boxes). */
  plainPieces(text: string): string[] {
    const pieces: string[] = [];
    this.scan(text, (plain) => pieces.push(plain), () => {});
    return pieces;
  }

  private scan(text: string, plain: (s: string) => void, special: (ids: number[]) => void): void {
    let last = 0;
    for (const m of text.matchAll(this.textSpecialRe)) {
      const coords = m[1] ? null : [m[2], m[3], m[4], m[5]].map(Number);
      if (coords && coords.some((c) => c >= this.coordBins)) continue; // out of range: plain text
      if (m.index! > last) plain(text.slice(last, m.index));
      if (m[1]) special([this.specials.indexOf(m[1])]);
      else special([this.boxId, ...coords!.map((c) => this.coordId(c))]);
      last = m.index! + m[0].length;
    }
    if (last < text.length) plain(text.slice(last));
  }

  private encodePlain(text: string, out: number[]): void {
    if (!text) return;
    for (const m of text.matchAll(PRETOKEN_RE)) {
      const chunk = m[0];
      let ids = this.chunkCache.get(chunk);
      if (!ids) {
        ids = this.bpe(Array.from(encoder.encode(chunk), (b) => this.byteBase + b));
        if (this.chunkCache.size < 100_000) this.chunkCache.set(chunk, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  /** Apply merges in rank order (lowest rank first) to one pre-token. */
  private bpe(ids: number[]): number[] {
    while (ids.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < ids.length - 1; i++) {
        const r = this.rank.get(`${ids[i]},${ids[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const a = ids[best];
      const b = ids[best + 1];
      const merged = this.mergeBase + bestRank;
      const next: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i < ids.length - 1 && ids[i] === a && ids[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(ids[i]);
      }
      ids = next;
    }
    return ids;
  }

  /**
   * Decode ids to text. PAD, BOS, EOS and ASSISTANT are dropped; `<box>` opens a box whose next
   * coordinate tokens are joined with `, ` and closed with `]` after the fourth.
   */
  decode(ids: readonly number[]): string {
    let text = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) text += decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    let boxCoords = -1; // -1: not in a box; else number of coordinates written so far
    for (const id of ids) {
      if (id < 0 || id >= this.vocabSize) throw new Error(`tokenizer: id ${id} outside the vocabulary (size ${this.vocabSize})`);
      if (this.isCoord(id)) {
        flush();
        if (boxCoords > 0) text += ', ';
        text += String(id - this.coordBase);
        if (boxCoords >= 0) {
          boxCoords++;
          if (boxCoords === 4) {
            text += ']';
            boxCoords = -1;
          }
        }
        continue;
      }
      boxCoords = -1;
      if (id < this.byteBase) {
        flush();
        if (id === this.boxId) {
          text += '[';
          boxCoords = 0;
        } else if ((TEXT_SPECIALS as readonly string[]).includes(this.specials[id])) text += this.specials[id];
        continue;
      }
      for (const b of this.bytesOf[id]) bytes.push(b);
    }
    flush();
    return text;
  }

  /** A readable name for one id (for debugging and notebooks). */
  tokenText(id: number): string {
    if (id < this.byteBase) return this.specials[id];
    if (this.isCoord(id)) return `<c${id - this.coordBase}>`;
    return decoder.decode(this.bytesOf[id]);
  }

  toJSON(): TokenizerJson {
    return { kind: 'deepmedix-bpe', version: 1, specials: [...this.specials], coordBins: this.coordBins, merges: this.merges.map((m) => [m[0], m[1]]) };
  }

  static fromJSON(json: TokenizerJson): Tokenizer {
    return new Tokenizer(json);
  }
}

/**
 * Learn BPE merges from a corpus: pre-tokenize (words with their leading space, single digits,
 * punctuation runs, whitespace runs), count unique pre-tokens, then repeatedly merge the most
 * frequent adjacent pair (ties broken by the smaller pair of ids, so training is deterministic).
 */
export function trainTokenizer(corpus: Iterable<string>, opts: TrainTokenizerOptions): Tokenizer {
  const coordBins = opts.coordBins ?? 512;
  const minPairCount = opts.minPairCount ?? 2;
  const base = SPECIALS.length + 256 + coordBins;
  if (opts.vocabSize < base) throw new Error(`tokenizer: vocabSize ${opts.vocabSize} is below the fixed part (${SPECIALS.length} specials + 256 bytes + ${coordBins} coordinates = ${base})`);
  const empty = new Tokenizer({ kind: 'deepmedix-bpe', version: 1, specials: [...SPECIALS], coordBins, merges: [] });
  // Count pre-tokens: encoding with no merges gives byte ids; split again at the pre-token level.
  const counts = new Map<string, number>();
  for (const text of corpus) {
    for (const piece of empty.plainPieces(text)) {
      for (const m of piece.matchAll(PRETOKEN_RE)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
  }
  const words: { ids: number[]; n: number }[] = [];
  for (const [w, n] of counts) words.push({ ids: Array.from(encoder.encode(w), (b) => SPECIALS.length + b), n });
  const merges: [number, number][] = [];
  const target = opts.vocabSize - base;
  while (merges.length < target) {
    const pairs = new Map<number, number>();
    const key = (a: number, b: number) => a * 65536 + b;
    for (const w of words) {
      for (let i = 0; i < w.ids.length - 1; i++) {
        const k = key(w.ids[i], w.ids[i + 1]);
        pairs.set(k, (pairs.get(k) ?? 0) + w.n);
      }
    }
    let bestK = -1;
    let bestN = 0;
    for (const [k, n] of pairs) {
      if (n > bestN || (n === bestN && k < bestK)) {
        bestN = n;
        bestK = k;
      }
    }
    if (bestK < 0 || bestN < minPairCount) break;
    const a = Math.floor(bestK / 65536);
    const b = bestK % 65536;
    const id = base + merges.length;
    merges.push([a, b]);
    for (const w of words) {
      if (w.ids.length < 2) continue;
      const next: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i < w.ids.length - 1 && w.ids[i] === a && w.ids[i + 1] === b) {
          next.push(id);
          i++;
        } else next.push(w.ids[i]);
      }
      w.ids = next;
    }
  }
  return new Tokenizer({ kind: 'deepmedix-bpe', version: 1, specials: [...SPECIALS], coordBins, merges });
}
