/**
 * The arena reads its inputs by the rules `evaluate` applies: a prediction id that is not among the
 * references, or a line that is not UTF-8, is an error naming the file (and line), in the library
 * and through the CLI; references a model left out are its coverage, as before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelPredictions, readReportJsonl } from '../../src/arena/predictions.js';
import { main } from '../../src/cli.js';
import { evaluateFiles } from '../../src/eval/harness.js';

describe('arena inputs agree with evaluate', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'arena-inputs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, body: string | Buffer) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const jsonl = (rows: [string, string][]) => rows.map(([id, text]) => JSON.stringify({ id, text })).join('\n') + '\n';

  it('a prediction id that is not in the references is an error in both', () => {
    const refs = file('refs.jsonl', jsonl([['s1', 'Clear lungs.'], ['s2', 'Cardiomegaly.']]));
    const stray = file('stray.jsonl', jsonl([['s1', 'Clear.'], ['s9', 'Effusion.']]));
    assert.throws(() => evaluateFiles(refs, stray, { allowMissing: true }), /1 prediction ids are not in the benchmark: s9/);
    assert.throws(() => readModelPredictions('m', stray, undefined, readReportJsonl(refs, { extractBoxed: false })), /stray\.jsonl \(m\): 1 prediction ids are not in the references: s9/);
    const other = file('other.jsonl', jsonl([['x1', 'a'], ['x2', 'b']]));
    assert.throws(() => readModelPredictions('m', other, undefined, readReportJsonl(refs)), /none of the 2 prediction ids is in the references/);
    assert.equal(readModelPredictions('m', file('part.jsonl', jsonl([['s1', 'a']])), undefined, readReportJsonl(refs)).reports.size, 1, 'missing references stay allowed (coverage)');
  });

  it('non-UTF-8 input is an error naming file and line in both', () => {
    const refs = file('refs.jsonl', jsonl([['s1', 'Clear lungs.']]));
    const latin1 = file('latin1.jsonl', Buffer.concat([Buffer.from('{"id":"s1","text":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    assert.throws(() => evaluateFiles(refs, latin1), /latin1\.jsonl:1: not valid UTF-8/);
    assert.throws(() => readReportJsonl(latin1), /latin1\.jsonl:1: not valid UTF-8/);
  });

  it('the CLI refuses stray ids before judging a battle', async () => {
    const refs = file('refs.jsonl', jsonl([['s1', 'Clear lungs.'], ['s2', 'Cardiomegaly.']]));
    const a = file('a.jsonl', jsonl([['s1', 'Clear.'], ['s2', 'Big heart.']]));
    const b = file('b.jsonl', jsonl([['s1', 'Clear.'], ['s3', 'Effusion.']]));
    await assert.rejects(main(['arena', '--references', refs, `a=${a}`, `b=${b}`, '--out', join(dir, 'out'), '--no-png', '--arena.battles=10']), /b\.jsonl \(b\): 1 prediction ids are not in the references: s3/);
  });
});
