import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { appendJsonl, readJsonl, readJsonlDetailed, writeJsonl } from '../../src/util/fsx.js';
import { countFlag, numberFlag, parseArgs } from '../../src/commands/args.js';
import { formatSeconds } from '../../src/util/progress.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextU32()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.nextU32()));
  });

  it('restores a saved state to the same stream', () => {
    const r = new Rng(3);
    r.next();
    const state = r.getState();
    const ahead = [r.next(), r.next()];
    const r2 = new Rng(99);
    r2.setState(state);
    assert.deepEqual([r2.next(), r2.next()], ahead);
  });

  it('draws uniform values with the right mean and range', () => {
    const r = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.next();
      assert.ok(v >= 0 && v < 1);
      sum += v;
    }
    assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
    const ints = new Set(Array.from({ length: 500 }, () => r.int(2, 4)));
    assert.deepEqual([...ints].sort(), [2, 3, 4]);
  });
});

describe('JSONL files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmx-jsonl-'));

  it('round-trips rows and writes atomically (no temp files left)', () => {
    const p = join(dir, 'a.jsonl');
    writeJsonl(p, [{ id: 1 }, { id: 2 }]);
    appendJsonl(p, { id: 3 });
    assert.deepEqual(readJsonl(p), [{ id: 1 }, { id: 2 }, { id: 3 }]);
    assert.deepEqual(readdirSync(dir), ['a.jsonl']);
  });

  it('names file and line of a malformed row, or skips it when lenient', () => {
    const p = join(dir, 'bad.jsonl');
    writeFileSync(p, '{"id":1}\n{oops\n{"id":3}\n');
    assert.throws(() => readJsonl(p), new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: malformed JSON line`));
    const r = readJsonlDetailed(p, { lenient: true });
    assert.deepEqual(r.rows, [{ id: 1 }, { id: 3 }]);
    assert.equal(r.skipped[0].line, 2);
  });

  it('repairs a torn last line without losing earlier rows', () => {
    const p = join(dir, 'torn.jsonl');
    writeFileSync(p, '{"id":1}\n{"id":2}\n{"id":3, "te');
    assert.throws(() => readJsonl(p), /:3: malformed/);
    const r = readJsonlDetailed(p, { repairTornTail: true });
    assert.deepEqual(r.rows, [{ id: 1 }, { id: 2 }]);
    assert.equal(r.tornTail, true);
  });
});

describe('parseArgs', () => {
  const spec = { values: ['n', 'limit', 'out'], booleans: ['json'], positionals: true };
  it('separates flags, booleans, overrides and positionals', () => {
    const a = parseArgs(['--n', '50', '--json', 'file.txt', '--out=d', '--sft.lr=1e-3', 'x'], spec);
    assert.deepEqual(a.flags, { n: '50', json: true, out: 'd' });
    assert.deepEqual(a.overrides, { 'sft.lr': '1e-3' });
    assert.deepEqual(a.positionals, ['file.txt', 'x']);
  });

  it('refuses a flag the command does not know, naming the nearest known one', () => {
    assert.throws(() => parseArgs(['--limt', '2'], spec), (e: Error) => e.name === 'UsageError' && /unknown flag --limt \(did you mean --limit\?\)/.test(e.message));
    assert.throws(() => parseArgs(['-n', '2'], spec), /not a flag this command knows/);
    assert.throws(() => parseArgs(['stray'], { values: ['n'] }), /unexpected argument 'stray'/);
    assert.throws(() => parseArgs(['--json=yes'], spec), /takes no value/);
    assert.throws(() => parseArgs(['--n'], spec), /--n needs a value/);
    assert.throws(() => parseArgs(['--n', '1', '--n', '2'], spec), /given twice/);
  });

  it('checks number flags against their range', () => {
    const a = parseArgs(['--limit', '-5', '--n', '2.5'], spec);
    assert.throws(() => countFlag(a, 'limit'), /--limit must be ≥ 1, got -5/);
    assert.throws(() => countFlag(a, 'n'), /--n expects a whole number, got 2.5/);
    assert.equal(numberFlag(a, 'n', undefined, { min: 0 }), 2.5);
    assert.equal(countFlag(parseArgs([], spec), 'limit', 7), 7);
  });
});

describe('formatSeconds', () => {
  it('writes seconds below a minute with one decimal, minutes and whole seconds above', () => {
    assert.equal(formatSeconds(9.94), '9.9s');
    assert.equal(formatSeconds(60), '1m00s');
    assert.equal(formatSeconds(119.6), '2m00s');
    assert.equal(formatSeconds(606), '10m06s');
  });
});
