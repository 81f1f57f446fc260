import assert from 'node:assert/strict';
import { Tokenizer, trainTokenizer, SPECIALS } from '../../src/text/tokenizer.js';

const CORPUS = [
  'FINDINGS: The heart size is normal. No pleural effusion or pneumothorax.',
  'IMPRESSION: Small right pleural effusion [120, 300, 210, 420].',
  '<think>The left lower lobe shows an opacity [300, 310, 400, 420].</think> \\boxed{yes}',
  'Is there cardiomegaly? Answer yes or no.',
];

describe('tokenizer (byte-level BPE with compact boxes)', () => {
  it('learns the hand-worked merges of a tiny corpus', () => {
    // Pre-tokens: "ab" x1, " ab" x2, "abc" x1. Pair counts: (a,b)=4, (" ",a)=2, (b,c)=1 -> merge (a,b).
    // Then (" ",ab)=2, (ab,c)=1 -> merge (" ",ab). Then (ab,c)=1 < minPairCount 2 -> stop.
    const tok = trainTokenizer(['ab ab ab', 'abc'], { vocabSize: 1000, coordBins: 4 });
    const byte = (ch: string) => SPECIALS.length + ch.charCodeAt(0);
    const base = SPECIALS.length + 256 + 4;
    assert.deepEqual(tok.merges, [
      [byte('a'), byte('b')],
      [byte(' '), base],
    ]);
    assert.equal(tok.vocabSize, base + 2);
    assert.deepEqual(tok.encode(' ab'), [base + 1]);
    assert.deepEqual(tok.encode('abc'), [base, byte('c')]);
  });

  it('round-trips text exactly, including unseen characters and non-canonical boxes', () => {
    const tok = trainTokenizer(CORPUS, { vocabSize: 900, coordBins: 512 });
    const samples = [
      ...CORPUS,
      '',
      '  leading and trailing spaces  \n\n\ttabs',
      'Ünïcödé → 肺 😀 and émigré',
      'box out of range [100, 600, 200, 700] and odd spacing [1,2,3,4] and zeros [01, 2, 3, 4]',
      'adjacent[0, 0, 511, 511][5, 6, 7, 8]x',
      'nested \\boxed{\\boxed{a}} and <think></think><think>',
      'digits 1234567890 and 3.14159',
    ];
    for (const s of samples) assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
  });

  it('encodes a canonical box as 5 tokens and format markers as one token each', () => {
    const tok = trainTokenizer(CORPUS, { vocabSize: 900, coordBins: 512 });
    const ids = tok.encode('[12, 34, 256, 511]');
    assert.deepEqual(ids, [tok.boxId, tok.coordId(12), tok.coordId(34), tok.coordId(256), tok.coordId(511)]);
    assert.equal(tok.encode('<think>').length, 1);
    assert.equal(tok.encode('</think>').length, 1);
    assert.equal(tok.encode('\\boxed{').length, 1);
  });

  it('compresses corpus words into few tokens and survives a JSON round trip', () => {
    const tok = trainTokenizer([...CORPUS, ...CORPUS], { vocabSize: 900, coordBins: 512 });
    const text = 'No pleural effusion or pneumothorax.';
    assert.ok(tok.encode(text).length <= 8, `got ${tok.encode(text).length}`);
    const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    assert.deepEqual(back.encode(CORPUS[2]), tok.encode(CORPUS[2]));
  });

  it('rejects a vocabulary too small for the fixed part and ids outside it', () => {
    assert.throws(() => trainTokenizer(CORPUS, { vocabSize: 100 }), /below the fixed part/);
    const tok = trainTokenizer(CORPUS, { vocabSize: 900 });
    assert.throws(() => tok.decode([tok.vocabSize]), /outside the vocabulary/);
  });
});
