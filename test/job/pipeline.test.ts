import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, stableHash, stableStringify } from '../../src/job/pipeline.js';

describe('pipeline stage caching', () => {
  it('stable stringify sorts keys at every depth', () => {
    assert.equal(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' } }), '{"a":{"c":"z","d":[1,{"x":1,"y":2}]},"b":1}');
    assert.equal(stableHash({ a: 1, b: 2 }), stableHash({ b: 2, a: 1 }));
    assert.notEqual(stableHash({ a: 1 }), stableHash({ a: 2 }));
  });

  it('skips a finished stage with unchanged inputs, reruns it and its dependants when inputs change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmx-pipe-'));
    const runs: string[] = [];
    const stages = (n: number) => [
      { id: 'a', what: 'first', key: { n }, run: async () => (runs.push('a'), { value: n }) },
      { id: 'b', what: 'second', key: {}, after: ['a'], run: async () => (runs.push('b'), { value: 0 }) },
    ];
    const quiet = () => {};
    const p1 = new Pipeline(dir, quiet);
    for (const s of stages(1)) await p1.run(s);
    assert.deepEqual(runs, ['a', 'b']);

    const p2 = new Pipeline(dir, quiet);
    for (const s of stages(1)) await p2.run(s);
    assert.deepEqual(runs, ['a', 'b'], 'nothing reran');
    assert.deepEqual(p2.record('a').summary, { value: 1 });

    const p3 = new Pipeline(dir, quiet);
    for (const s of stages(2)) await p3.run(s);
    assert.deepEqual(runs, ['a', 'b', 'a', 'b'], 'a changed, so b reran too');
    rmSync(dir, { recursive: true });
  });

  it('an interrupted stage (no marker) runs again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmx-pipe-'));
    const p = new Pipeline(dir, () => {});
    await assert.rejects(p.run({ id: 'x', what: 'fails', key: 1, run: async () => { throw new Error('killed'); } }), /killed/);
    let ran = false;
    await new Pipeline(dir, () => {}).run({ id: 'x', what: 'ok', key: 1, run: async () => { ran = true; return 1; } });
    assert.ok(ran);
  });
});
