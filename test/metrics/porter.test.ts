import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { porterStem } from '../../src/text/porter.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';

describe('metrics: Porter stemmer (NLTK_EXTENSIONS mode)', () => {
  it('hand-checked stems', () => {
    assert.equal(porterStem('caresses'), 'caress');
    assert.equal(porterStem('ponies'), 'poni');
    assert.equal(porterStem('hopping'), 'hop');
    assert.equal(porterStem('relational'), 'relat');
    assert.equal(porterStem('dying'), 'die');
  });
  it('equals NLTK 3.8 PorterStemmer on 5,844 words (IU vocabulary and WordNet lemmas)', () => {
    const ref = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/metrics/porter-nltk.json'), 'utf8')) as Record<string, string>;
    const wrong = Object.entries(ref).filter(([w, s]) => porterStem(w) !== s);
    assert.ok(Object.keys(ref).length > 5000);
    assert.deepEqual(wrong.slice(0, 10).map(([w, s]) => `${w}: nltk ${s}, ours ${porterStem(w)}`), []);
  });
});
