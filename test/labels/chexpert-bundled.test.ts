import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_PHRASES } from '../../src/labels/chexpert.js';
import { describeWithShared } from '../helpers.js';

describeWithShared('bundled CheXpert phrase lists', ['data', 'chexpert-phrases', 'phrases'], (shared) => {
  it('are an unchanged copy of the shared ones', () => {
    for (const kind of ['mention', 'unmention']) {
      const files = readdirSync(join(shared, kind)).sort();
      assert.deepEqual(readdirSync(join(BUNDLED_PHRASES, kind)).sort(), files);
      for (const f of files) assert.equal(readFileSync(join(BUNDLED_PHRASES, kind, f), 'utf8'), readFileSync(join(shared, kind, f), 'utf8'), `${kind}/${f}`);
    }
  });
});
