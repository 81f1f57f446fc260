import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.js';
import { main } from '../../src/cli.js';
import { readVariants, parseSeeds } from '../../src/commands/study.js';
import { runStudy, runDirOf, type StudyPlan } from '../../src/job/study.js';
import { runMainJob } from '../../src/job/main.js';
import { resolveConfig } from '../../src/config.js';
import { layoutAt } from '../../src/run-layout.js';
import { readJson, readJsonl } from '../../src/util/fsx.js';
import type { InstructionRecord } from '../../src/data/types.js';
import type { StudyResult } from '../../src/eval/study-result.js';

describe('deepmedix study (smoke profile)', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'dmx-study-'));
  const baseRun = join(dir, 'job');
  const base = { 'grpo.steps': 2, 'arena.battles': 20, 'arena.bootstrap': 5 };
  const plan = (out: string, variants: StudyPlan['variants']): StudyPlan => ({ profile: 'smoke', base, variants: [{ name: 'base', overrides: {} }, ...variants], seeds: [3, 4], baseRun, out });
  let first: StudyResult;
  const quiet = { quiet: true, log: () => {} };

  before(async () => {
    await initBackend({ log: null });
    await runMainJob(resolveConfig('smoke', base), { runDir: baseRun, figuresDir: join(dir, 'figures'), formats: ['html'], quiet: true, log: () => {} });
    first = await runStudy(plan(join(dir, 'study'), [{ name: 'no KL', overrides: { 'grpo.beta': 0 } }]), { ...quiet, headroom: { items: 4, samples: 2 } });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reuses the job's earlier steps and trains only stage 3 for each variant and seed", () => {
    const L = layoutAt(runDirOf({ out: join(dir, 'study') }, 'no KL', 3));
    for (const id of ['cohort', 'stage1', 'synthesis', 'stage2']) assert.ok(lstatSync(L.step(id)).isSymbolicLink(), `${id} linked`);
    assert.ok(!lstatSync(L.step('stage3')).isSymbolicLink());
    const run = readJson<{ ran: string[]; linked: string[]; status: string }>(join(L.root, 'study-run.json'));
    assert.deepEqual(run.ran, ['stage3']);
    assert.equal(run.status, 'done');
    assert.equal(readJson<{ grpo: { seed: number; beta: number } }>(L.config).grpo.seed, 3, 'the run keeps its config');
  });

  it('writes study.json with paired mean, se and interval per measure and split, against the start and the base', () => {
    const s = readJson<StudyResult>(join(dir, 'study', 'study.json'));
    assert.deepEqual(s.variants.map((v) => v.name), ['base', 'no KL']);
    for (const v of s.variants) {
      assert.deepEqual(v.seeds, [3, 4]);
      for (const m of ['vqa', 'report', 'ext_vqa', 'mimic_findings']) {
        const e = v.measures[m]!;
        assert.ok(e && e.lo <= e.mean && e.mean <= e.hi && e.se >= 0, `${v.name} ${m}`);
        assert.equal(e.seeds, 2);
      }
      assert.ok(v.headroom && 'majority' in v.headroom.start);
    }
    assert.equal(s.variants[0].vsBase, null);
    assert.ok(s.variants[1].vsBase?.vqa);
    assert.ok(existsSync(join(dir, 'study', 'study.md')) && existsSync(join(dir, 'study', 'study-forest.html')));
    assert.deepEqual(first.items.total, s.items.total);
  });

  it('resumes: a second call runs nothing again and gives the same estimates', async () => {
    const logs: string[] = [];
    const again = await runStudy(plan(join(dir, 'study'), [{ name: 'no KL', overrides: { 'grpo.beta': 0 } }]), { quiet: true, log: (l) => logs.push(l) });
    assert.equal(logs.filter((l) => l.includes('finished earlier')).length, 4);
    assert.deepEqual(again.variants.map((v) => v.measures), first.variants.map((v) => v.measures));
  });

  it("links a stage 3 another study in the base run's studies/ folder already trained with the same settings", async () => {
    const a = await runStudy({ ...plan(join(baseRun, 'studies', 'a'), []), seeds: [5] }, quiet);
    const b = await runStudy({ ...plan(join(baseRun, 'studies', 'b'), []), seeds: [5] }, quiet);
    const run = readJson<{ ran: string[]; linked: string[] }>(join(runDirOf({ out: join(baseRun, 'studies', 'b') }, 'base', 5), 'study-run.json'));
    assert.deepEqual(run.ran, []);
    assert.ok(run.linked.includes('stage3'));
    assert.deepEqual(b.variants[0].measures, a.variants[0].measures);
    const other = await runStudy({ ...plan(join(baseRun, 'studies', 'c'), []), seeds: [6] }, quiet);
    assert.deepEqual(readJson<{ ran: string[] }>(join(runDirOf({ out: join(baseRun, 'studies', 'c') }, 'base', 6), 'study-run.json')).ran, ['stage3'], 'another seed trains');
    assert.deepEqual(other.seeds, [6]);
  });

  it('records a run that dies as failed and goes on; the table shows n per row', async () => {
    // A variant whose stage 3 cannot start: the smoke model never solves a prompt, so none is at an edge band of [1, 1].
    const r = await runStudy(plan(join(dir, 'study-fail'), [{ name: 'broken', overrides: { 'grpo.edgeSamples': 2, 'grpo.edgeLow': 1, 'grpo.edgeHigh': 1 } }]), quiet);
    const broken = r.variants.find((v) => v.name === 'broken')!;
    assert.deepEqual(broken.seeds, []);
    assert.deepEqual(broken.failed.map((f) => f.seed), [3, 4]);
    assert.match(broken.failed[0].error, /edge of the starting model's competence/);
    assert.deepEqual(r.variants[0].seeds, [3, 4], 'the base recipe still ran');
    assert.equal(broken.measures.vqa ?? null, null);
  });

  it('--from-predictions gives the same table from prediction files made elsewhere (as EasyR1 runs would be)', async () => {
    const runs = (variant: string) => [3, 4].map((seed) => {
      const L = layoutAt(runDirOf({ out: join(dir, 'study') }, variant, seed));
      return { seed, start: L.predictions('stage2'), end: L.predictions('stage3') };
    });
    const manifest = join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ variants: [{ name: 'base', runs: runs('base') }, { name: 'no KL', overrides: { 'grpo.beta': 0 }, runs: runs('no KL') }] }));
    const references = layoutAt(baseRun).benchmark;
    const code = await main(['study', '--profile', 'smoke', '--from-predictions', manifest, '--references', references, '--out', join(dir, 'from-preds')]);
    assert.equal(code, 0);
    const s = readJson<StudyResult>(join(dir, 'from-preds', 'study.json'));
    assert.deepEqual(s.variants.map((v) => v.seeds), [[3, 4], [3, 4]]);
    // Items and seeds are the same files, so every measure but boxMatch (whose report-item truth here
    // comes from the records alone, not the cohort's studies) equals the trained study's.
    for (const [k, v] of s.variants.entries()) {
      for (const m of ['vqa', 'report', 'ext_vqa', 'mimic_findings']) assert.deepEqual(v.measures[m], first.variants[k].measures[m], `${v.name} ${m}`);
    }
    assert.deepEqual(s.variants[1].vsBase?.vqa, first.variants[1].vsBase?.vqa);
    // Worked by hand: start answers every VQA item wrongly; the end answers the first half of them
    // rightly at seed 1 and all at seed 2, so vqa − start is (half + 1) / 2; reports are unchanged.
    const records = readJsonl<InstructionRecord>(references);
    const vqa = records.filter((r) => r.task === 'vqa');
    const half = Math.floor(vqa.length / 2);
    const rightIds = (k: number) => new Set(vqa.slice(0, k).map((r) => r.id));
    const write = (name: string, right: Set<string>) => {
      const file = join(dir, name);
      writeFileSync(file, records.map((r) => JSON.stringify({ id: r.id, text: `<think>x</think> \\boxed{${r.task === 'vqa' && !right.has(r.id) ? 'zzz' : r.answer}}` })).join('\n') + '\n');
      return name;
    };
    writeFileSync(manifest, JSON.stringify({ variants: [{ name: 'hand', runs: [{ seed: 1, start: write('s.jsonl', new Set()), end: write('e1.jsonl', rightIds(half)) }, { seed: 2, start: 's.jsonl', end: write('e2.jsonl', rightIds(vqa.length)) }] }] }));
    assert.equal(await main(['study', '--profile', 'smoke', '--from-predictions', manifest, '--references', references, '--out', join(dir, 'hand')]), 0);
    const hand = readJson<StudyResult>(join(dir, 'hand', 'study.json')).variants[0];
    assert.ok(Math.abs(hand.measures.vqa!.mean - (half / vqa.length + 1) / 2) < 1e-12, `vqa − start ${hand.measures.vqa!.mean}`);
    assert.equal(hand.levels.start.vqa, 0);
    assert.equal(hand.measures.report!.mean, 0);
    writeFileSync(manifest, JSON.stringify({ variants: [{ name: 'base', runs: [{ seed: 1, start: 'missing.jsonl', end: 'missing.jsonl' }] }] }));
    assert.equal(await main(['study', '--from-predictions', manifest, '--references', references, '--out', join(dir, 'never2')]), 2);
    assert.equal(await main(['study', '--from-predictions', manifest, '--references', references, '--seeds', '1', '--out', join(dir, 'never2')]), 2);
    assert.ok(!existsSync(join(dir, 'never2', 'study.json')));
  });

  it('refuses, before anything runs, a variant with an unknown key or a bad value, and bad seeds', async () => {
    const file = join(dir, 'variants.json');
    writeFileSync(file, JSON.stringify([{ name: 'typo', overrides: { 'grpo.btea': 0 } }]));
    const code = await main(['study', '--profile', 'smoke', '--seeds', '1,2', '--variants', file, '--out', join(dir, 'never')]);
    assert.equal(code, 2);
    assert.ok(!existsSync(join(dir, 'never', 'runs')), 'nothing ran');
    writeFileSync(file, JSON.stringify([{ name: 'x', overrides: { 'grpo.groupSize': 'many' } }]));
    assert.equal(await main(['study', '--profile', 'smoke', '--seeds', '1', '--variants', file, '--out', join(dir, 'never')]), 2);
    writeFileSync(file, JSON.stringify({ name: 'not a list' }));
    assert.throws(() => readVariants(file), /expected a JSON list/);
    writeFileSync(file, JSON.stringify([{ name: 'a', overrides: {}, extra: 1 }]));
    assert.throws(() => readVariants(file), /entry 1: unknown field 'extra'/);
    assert.throws(() => parseSeeds('7,x'), /whole numbers/);
    assert.deepEqual(parseSeeds('7, 8,9'), [7, 8, 9]);
    assert.equal(await main(['study', '--profile', 'smoke', '--seeds', '7,7', '--out', join(dir, 'never')]), 2, 'a repeated seed is a usage error');
    writeFileSync(file, JSON.stringify([{ name: 'a', overrides: {} }, { name: 'A', overrides: { 'grpo.beta': 0 } }]));
    assert.equal(await main(['study', '--profile', 'smoke', '--seeds', '7', '--variants', file, '--out', join(dir, 'never')]), 2, 'two variants in one directory are a usage error');
    assert.ok(!existsSync(join(dir, 'never', 'runs')), 'nothing ran');
  });
});
