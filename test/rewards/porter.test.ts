import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { porterStem } from '../../src/text/porter.js';

// Fixture: NLTK 3.8 PorterStemmer() on the Open-I report vocabulary + textbook examples
// (test/rewards/fixtures/make_fixtures.py).
const expected = JSON.parse(readFileSync(new URL('./fixtures/porter-nltk.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('porterStem (NLTK default mode)', () => {
  it('agrees with NLTK on every word of the report vocabulary fixture', () => {
    const words = Object.keys(expected);
    assert.ok(words.length > 2000, `fixture has ${words.length} words`);
    const wrong = words.filter((w) => porterStem(w) !== expected[w]).map((w) => `${w}: got ${porterStem(w)}, NLTK ${expected[w]}`);
    assert.deepEqual(wrong, []);
  });

  it('hand-worked textbook cases', () => {
    // Porter (1980) step examples; NLTK-mode irregulars and short words.
    const cases: [string, string][] = [
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['ties', 'tie'], // 4-letter -ies -> -ie (NLTK mode)
      ['hopping', 'hop'],
      ['falling', 'fall'],
      ['filing', 'file'],
      ['relational', 'relat'],
      ['dying', 'die'],
      ['is', 'is'],
    ];
    for (const [w, s] of cases) assert.equal(porterStem(w), s, w);
  });
});
