import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runArena, type ArenaOptions } from '../../src/arena/arena.js';
import { arenaRanking, battleCountMatrix, kendallTau, spearman, winRateMatrix } from '../../src/arena/ranking.js';
import type { Judge, ModelPredictions } from '../../src/arena/types.js';

const ids = Array.from({ length: 30 }, (_, k) => `s${k}`);
const references = new Map(ids.map((id) => [id, `reference ${id}`]));
/** Model whose report quality is encoded in its text: "q=<number> <id>". */
const model = (name: string, q: number, only?: (id: string) => boolean): ModelPredictions => ({
  name,
  reports: new Map(ids.filter((id) => !only || only(id)).map((id) => [id, `q=${q} ${id}`])),
});
const quality = (text: string) => Number(/q=([\d.]+)/.exec(text)![1]);
/** Deterministic judge: the higher quality wins; equal quality ties. Counts its calls. */
function qualityJudge(): Judge & { calls: number } {
  const j = {
    name: 'quality',
    calls: 0,
    async judge(req: { a: string; b: string }) {
      j.calls++;
      const d = quality(req.a) - quality(req.b);
      return { outcome: d > 0 ? 1 : d < 0 ? 0 : 0.5, verdict: (d > 0 ? 'A' : d < 0 ? 'B' : 'tie') as 'A' | 'B' | 'tie' };
    },
  };
  return j;
}
const models = [model('m0', 1), model('m1', 3), model('m2', 2)];
const base = (over: Partial<ArenaOptions> = {}): ArenaOptions => ({
  models,
  references,
  judge: qualityJudge(),
  sampler: 'active',
  battles: 60,
  seed: 11,
  progress: false,
  ...over,
});

describe('arena/runArena', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'arena-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('same seed, same battles; the log holds a meta line and one line per battle', async () => {
    const log = join(dir, 'b.jsonl');
    const a = await runArena(base({ logPath: log }));
    const b = await runArena(base());
    assert.deepEqual(a.records, b.records);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 61);
    assert.equal(lines[0].type, 'meta');
    assert.deepEqual(lines[0].models, ['m0', 'm1', 'm2']);
    assert.equal(a.skipped, 0);
    assert.ok(a.records.every((r) => r.p > 0 && r.p <= 1 && r.status === 'ok'));
  });

  it('an interrupted arena resumes without re-judging and ends with the same battles as an uninterrupted one', async () => {
    const full = await runArena(base());
    const log = join(dir, 'b.jsonl');
    await runArena(base({ logPath: log, battles: 25 }));
    // Simulate a writer killed mid-line.
    appendFileSync(log, '{"type":"battle","t":25,"mod');
    const judge = qualityJudge();
    const resumed = await runArena(base({ logPath: log, judge }));
    assert.equal(resumed.resumed, 25);
    assert.equal(resumed.tornTailRepaired, true);
    assert.equal(judge.calls, 35);
    assert.deepEqual(resumed.records, full.records);
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 61);
  });

  it('the active sampler can allocate by per-pair variance: other battles, same resumable log format', async () => {
    const ipw = await runArena(base());
    const pair = await runArena(base({ variance: 'pair' }));
    assert.notDeepEqual(pair.records.map((r) => r.p), ipw.records.map((r) => r.p), 'the draw probabilities differ');
    const log = join(dir, 'p.jsonl');
    await runArena(base({ logPath: log, variance: 'pair', battles: 30 }));
    const resumed = await runArena(base({ logPath: log, variance: 'pair' }));
    assert.equal(resumed.resumed, 30);
    assert.deepEqual(resumed.records, pair.records);
  });

  it('refuses a log written for another judge, naming the field', async () => {
    const log = join(dir, 'b.jsonl');
    await runArena(base({ logPath: log, battles: 5 }));
    await assert.rejects(runArena(base({ logPath: log, judge: { ...qualityJudge(), name: 'other' } })), /written for judge "quality".*"other"/);
    await assert.rejects(runArena(base({ logPath: log, seed: 12 })), /seed/);
    await assert.rejects(runArena(base({ logPath: log, variance: 'pair' })), /written for variance 'ipw'.*'pair'/);
    // Same model names, one changed report: refused, since the logged verdicts judged other texts.
    const changed = [models[0], { name: 'm1', reports: new Map([...models[1].reports].map(([id, t]) => [id, id === 's4' ? 'q=0.5 s4' : t])) }, models[2]];
    await assert.rejects(runArena(base({ logPath: log, models: changed })), /written for other reports/);
  });

  it('retries a failing judge, then records the battle as skipped with its errors', async () => {
    let call = 0;
    const flaky: Judge = {
      name: 'flaky',
      async judge(req) {
        call++;
        if (req.id === 's3') throw new Error('unparseable verdict for s3');
        if (call % 4 === 1) throw new Error('timeout');
        return { outcome: 1, verdict: 'A' };
      },
    };
    const run = await runArena(base({ judge: flaky, battles: 80, maxRetries: 2 }));
    const s3 = run.records.filter((r) => r.id === 's3');
    assert.ok(s3.length > 0, 'the seed should draw study s3 at least once');
    for (const r of s3) {
      assert.equal(r.status, 'skipped');
      assert.equal(r.attempts, 3);
      assert.equal(r.errors!.length, 3);
      assert.match(r.errors![2], /unparseable verdict for s3/);
    }
    assert.equal(run.skipped, s3.length);
    assert.ok(run.records.some((r) => r.status === 'ok' && r.attempts === 2 && /timeout/.test(r.errors![0])));
    // A judge that always fails stops the arena with a clear error after N skips in a row.
    const dead: Judge = { name: 'dead', judge: async () => Promise.reject(new Error('connection refused')) };
    await assert.rejects(runArena(base({ judge: dead, maxRetries: 0, maxConsecutiveSkips: 5 })), /failed on 5 battles in a row.*connection refused/);
  });

  it('reports missing predictions, leaves out pairs with no common study, and ties identical reports without the judge', async () => {
    const judge = qualityJudge();
    const ms = [
      model('full', 2),
      model('even', 1, (id) => Number(id.slice(1)) % 2 === 0),
      model('odd', 3, (id) => Number(id.slice(1)) % 2 === 1),
      { name: 'copy', reports: new Map(model('full', 2).reports) },
    ];
    const run = await runArena(base({ models: ms, judge, battles: 120 }));
    assert.deepEqual(run.coverage.map((c) => c.missing), [0, 15, 15, 0]);
    assert.deepEqual(run.excludedPairs.map((e) => e.models), [['even', 'odd']]);
    assert.deepEqual(run.identicalPairs, [['full', 'copy']]);
    assert.equal(run.pairs.length, 5);
    const copyBattles = run.records.filter((r) => r.modelA === 'full' && r.modelB === 'copy');
    assert.ok(copyBattles.length > 0 && copyBattles.every((r) => r.outcome === 0.5 && r.attempts === 0));
    assert.ok(run.records.every((r) => !(r.modelA === 'even' && r.modelB === 'odd')));
    assert.equal(judge.calls, run.records.length - copyBattles.length);
    assert.ok(run.records.every((r) => r.modelA !== 'even' || Number(r.id.slice(1)) % 2 === 0));
    await assert.rejects(runArena(base({ models: [models[0], { ...models[1], name: 'm0' }] })), /appears twice/);
  });

  it('ranks by quality; the matrices count battles and observed win rates', async () => {
    const run = await runArena(base({ battles: 300, sampler: 'uniform' }));
    const names = run.models;
    // Uniform sampling: every battle has weight 3 (1/p), and quality decides every battle.
    const counts = battleCountMatrix(run.records, names);
    const rates = winRateMatrix(run.records, names);
    assert.equal(counts[0][1] + counts[0][2] + counts[1][2], 300);
    assert.deepEqual([rates[1][0], rates[1][2], rates[2][0], rates[0][1]], [1, 1, 1, 0]);
    // Every battle decisive and transitive: the MLE does not exist (separation) -> reported.
    const rk = arenaRanking(run.records, names, { bootstrap: 20, seed: 1 });
    assert.equal(rk.fit.separated, true);
    assert.deepEqual(rk.order, [1, 2, 0]);
    const [n0, n1, n2] = rk.normalized.score;
    assert.ok(Math.abs(n0) < 1e-12 && Math.abs(n1 - 1) < 1e-12 && n2 > 0 && n2 < 1, String(rk.normalized.score));
    assert.ok(rk.normalized.lower.every((l, k) => l <= rk.normalized.upper[k]));
  });

  it('rank correlations', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.equal(kendallTau([1, 2, 3], [1, 3, 2]), 1 / 3);
  });
});
