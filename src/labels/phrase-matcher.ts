/**
 * All occurrences of many phrases in a text in one pass (an Aho–Corasick automaton over characters):
 * overlapping and nested matches included, as repeated indexOf calls would find them.
 */
export interface PhraseMatch {
  /** Index of the phrase in the list the matcher was built from. */
  phrase: number;
  start: number;
  end: number;
}

export class PhraseMatcher {
  private readonly next: Map<string, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** Phrases ending at each state (own and inherited through failure links). */
  private readonly out: number[][] = [[]];

  constructor(readonly phrases: readonly string[]) {
    phrases.forEach((p, k) => {
      if (p.length === 0) throw new Error('PhraseMatcher: empty phrase');
      let s = 0;
      for (const ch of p) {
        let t = this.next[s].get(ch);
        if (t === undefined) {
          t = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.next[s].set(ch, t);
        }
        s = t;
      }
      this.out[s].push(k);
    });
    // breadth-first failure links
    const queue: number[] = [...this.next[0].values()];
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      for (const [ch, t] of this.next[s]) {
        let f = this.fail[s];
        while (f > 0 && !this.next[f].has(ch)) f = this.fail[f];
        const g = this.next[f].get(ch);
        this.fail[t] = g !== undefined && g !== t ? g : 0;
        this.out[t] = [...this.out[t], ...this.out[this.fail[t]]];
        queue.push(t);
      }
    }
  }

  /** Every occurrence of every phrase, in order of end position. */
  matchAll(text: string): PhraseMatch[] {
    const found: PhraseMatch[] = [];
    let s = 0;
    let i = 0;
    for (const ch of text) {
      i += ch.length;
      while (s > 0 && !this.next[s].has(ch)) s = this.fail[s];
      s = this.next[s].get(ch) ?? 0;
      for (const k of this.out[s]) found.push({ phrase: k, start: i - this.phrases[k].length, end: i });
    }
    return found;
  }
}
