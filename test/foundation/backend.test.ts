import assert from 'node:assert/strict';
import { chooseBackend, type BackendCandidate, type BackendName } from '../../src/backend.js';

/** Candidates whose activation succeeds or fails as told, recording the order they were tried. */
function fakeCandidates(works: Partial<Record<BackendName, boolean>>, tried: string[]): BackendCandidate[] {
  return (['gpu', 'node', 'wasm', 'cpu'] as BackendName[]).map((name) => ({
    name,
    activate: async () => {
      tried.push(name);
      if (!works[name]) throw new Error(`${name} unavailable here\nsecond line not shown`);
    },
  }));
}

describe('backend choice', () => {
  it('falls through failed candidates in order and says why each failed', async () => {
    const tried: string[] = [];
    const c = await chooseBackend({ force: '', candidates: fakeCandidates({ wasm: true, cpu: true }, tried) });
    assert.equal(c.name, 'wasm');
    assert.deepEqual(tried, ['gpu', 'node', 'wasm']);
    assert.deepEqual(c.failures, [
      { name: 'gpu', reason: 'gpu unavailable here' },
      { name: 'node', reason: 'node unavailable here' },
    ]);
    assert.match(c.reason, /first working candidate \(gpu: gpu unavailable here; node: node unavailable here\)/);
  });

  it('takes the first candidate when it works', async () => {
    const tried: string[] = [];
    const c = await chooseBackend({ force: '', candidates: fakeCandidates({ gpu: true, cpu: true }, tried) });
    assert.equal(c.name, 'gpu');
    assert.deepEqual(tried, ['gpu']);
    assert.equal(c.reason, 'first candidate');
  });

  it('a forced backend is the only one tried', async () => {
    const tried: string[] = [];
    const c = await chooseBackend({ force: 'CPU', candidates: fakeCandidates({ wasm: true, cpu: true }, tried) });
    assert.equal(c.name, 'cpu');
    assert.deepEqual(tried, ['cpu']);
    assert.equal(c.reason, 'forced by DEEPMEDIX_BACKEND=cpu');
  });

  it('a forced backend that fails is an error, not a silent fall-through', async () => {
    const tried: string[] = [];
    await assert.rejects(chooseBackend({ force: 'gpu', candidates: fakeCandidates({ cpu: true }, tried) }), /forced backend 'gpu' failed: gpu: gpu unavailable here/);
    assert.deepEqual(tried, ['gpu']);
  });

  it('an unknown forced name is an error listing the choices', async () => {
    await assert.rejects(chooseBackend({ force: 'tpu', candidates: fakeCandidates({}, []) }), /DEEPMEDIX_BACKEND='tpu' is not a backend; choose one of gpu, node, wasm, cpu/);
  });

  it('reads DEEPMEDIX_BACKEND when no force is passed', async () => {
    const saved = process.env.DEEPMEDIX_BACKEND;
    process.env.DEEPMEDIX_BACKEND = 'node';
    try {
      const tried: string[] = [];
      const c = await chooseBackend({ candidates: fakeCandidates({ node: true }, tried) });
      assert.equal(c.name, 'node');
      assert.deepEqual(tried, ['node']);
    } finally {
      if (saved === undefined) delete process.env.DEEPMEDIX_BACKEND;
      else process.env.DEEPMEDIX_BACKEND = saved;
    }
  });

  it('on this machine the real candidates reach wasm: no CUDA, and tfjs-node is the pure-JS alias', async function () {
    if (process.env.DEEPMEDIX_BACKEND) this.skip();
    const c = await chooseBackend({ force: '' });
    if (c.name === 'gpu' || c.name === 'node') this.skip(); // a machine with native TensorFlow
    assert.equal(c.name, 'wasm');
    assert.equal(c.tfBackend, 'wasm');
    assert.equal(c.failures.length, 2);
    assert.match(c.failures[1].reason, /registered no native 'tensorflow' backend|not installed/);
  });
});
