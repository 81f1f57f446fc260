import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { charTokens, rouge1F, rougeTokens, sentenceBleu, wordTokens } from '../../src/rewards/text-similarity.js';
import { freeTextScore } from '../../src/rewards/answer.js';

interface Row {
  answer: string;
  groundTruth: string;
  paperCode: { bleu1: number; bleu4: number };
  word: { bleu1: number; bleu4: number };
  rouge1F: number;
}
// Fixture: NLTK 3.8 sentence_bleu (method2) on raw strings and on split words, and rouge_score-style
// ROUGE-1 F with NLTK's Porter stemmer (test/rewards/fixtures/make_fixtures.py).
const rows = JSON.parse(readFileSync(new URL('./fixtures/free-text-nltk.json', import.meta.url), 'utf8')) as Row[];
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('sentenceBleu (NLTK sentence_bleu, smoothing method2)', () => {
  it('hand-worked: hypothesis "ab" against reference "abc" over characters', () => {
    // p1 = 2/2; p2 = (1+1)/(1+1); p3 = p4 = (0+1)/(1+1); BP = exp(1 - 3/2)
    close(sentenceBleu([charTokens('abc')], charTokens('ab'), [1, 0, 0, 0]), Math.exp(-0.5), 'BLEU-1');
    close(sentenceBleu([charTokens('abc')], charTokens('ab')), Math.exp(-0.5) * Math.sqrt(0.5), 'BLEU-4');
  });

  it('is 0 when no unigram matches and 1 for an identical hypothesis', () => {
    assert.equal(sentenceBleu([wordTokens('a b c')], wordTokens('x y z')), 0);
    close(sentenceBleu([wordTokens('a b c d e')], wordTokens('a b c d e')), 1, 'identical');
  });

  it('clips repeated n-grams ("the the the the" vs "the cat is on the mat")', () => {
    // p1 = 2/4 (clipped to the 2 'the's), p2 = (0+1)/(3+1), p3 = (0+1)/(2+1), p4 = (0+1)/(1+1); BP = exp(1 - 6/4)
    const want = Math.exp(1 - 6 / 4) * Math.exp(0.25 * (Math.log(0.5) + Math.log(1 / 4) + Math.log(1 / 3) + Math.log(1 / 2)));
    close(sentenceBleu([wordTokens('the cat is on the mat')], wordTokens('the the the the')), want, 'clipped');
  });

  it('matches the NLTK fixture, paper-code (characters) and word variants', () => {
    for (const r of rows) {
      const p = freeTextScore(r.answer, r.groundTruth, 'paper-code');
      const w = freeTextScore(r.answer, r.groundTruth, 'word');
      close(p.bleu1, r.paperCode.bleu1, `char BLEU-1 ${r.answer}`);
      close(p.bleu4, r.paperCode.bleu4, `char BLEU-4 ${r.answer}`);
      close(w.bleu1, r.word.bleu1, `word BLEU-1 ${r.answer}`);
      close(w.bleu4, r.word.bleu4, `word BLEU-4 ${r.answer}`);
    }
  });
});

describe('rouge1F (rouge_score ROUGE-1, stemmed)', () => {
  it('hand-worked: tokenizer lower-cases, drops punctuation, stems words longer than 3 letters', () => {
    assert.deepEqual(rougeTokens('Small, bilateral EFFUSIONS!'), ['small', 'bilater', 'effus']);
    assert.deepEqual(rougeTokens('has gas'), ['has', 'gas']); // 3 letters: not stemmed
    close(rouge1F('The cat sat', 'the cat'), 0.8, 'P=1, R=2/3');
    close(rouge1F('effusions', 'effusion'), 1, 'stems meet');
    close(rouge1F('', 'anything'), 0, 'empty');
  });

  it('matches the fixture', () => {
    for (const r of rows) close(rouge1F(r.answer, r.groundTruth), r.rouge1F, `ROUGE-1 ${r.answer}`);
  });
});
