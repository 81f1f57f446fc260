import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PROJECT_ROOT } from '../../src/util/paths.js';
import { sampleCohortTruth } from '../../src/data/phantom.js';
import { studyRecord } from '../../src/data/cohort.js';
import { benchmarkSizes, buildBenchmark, XRAYBENCH_SPLITS } from '../../src/data/benchmark.js';
import { loadMimicCxr } from '../../src/data/loaders/mimic.js';
import { loadExtVqa } from '../../src/data/loaders/vqa-sets.js';
import { prepareDatasets } from '../../src/data/prepare.js';
import { resolveConfig } from '../../src/config.js';
import type { Study } from '../../src/data/types.js';

const FX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');
const studies: Study[] = sampleCohortTruth(200, { seed: 4, frame: 512, normalFraction: 0.3 }).map(studyRecord);

describe('XrayBench-shaped benchmark', () => {
  it('sizes follow the paper report proportions (hand-worked)', () => {
    // report part 500: 500 x 0.419 = 209.5 -> 210, x 0.424 = 212, x 0.072 = 36, x 0.085 = 42.5 -> 43; VQA 500 -> 250 + 250
    assert.deepEqual(benchmarkSizes({ seed: 1, total: 1000 }), { mimic_findings: 210, mimic_impression: 212, openi_findings: 36, openi_impression: 43, ext_vqa: 250, cxr_vqa: 250 });
    assert.equal(benchmarkSizes({ seed: 1, total: 1000, sizes: { ext_vqa: 7 } }).ext_vqa, 7);
  });

  it('from the cohort alone: six splits, disjoint MIMIC-style and Open-I-style studies, shortfalls reported', () => {
    const { records, summary } = buildBenchmark({ cohort: { studies, root: 'cohort' } }, { seed: 3, total: 400 });
    assert.deepEqual(summary.map((s) => s.split), [...XRAYBENCH_SPLITS]);
    for (const s of summary) {
      assert.equal(records.filter((r) => r.split === s.split).length, s.built);
      assert.ok(s.built <= s.requested);
    }
    assert.deepEqual(summary.map((s) => s.built), [84, 85, 14, 17, 100, 100]);
    const mimic = new Set(records.filter((r) => r.split!.startsWith('mimic')).map((r) => r.studyId));
    const openi = new Set(records.filter((r) => r.split!.startsWith('openi')).map((r) => r.studyId));
    assert.ok([...mimic].every((id) => !openi.has(id)));
    assert.ok(records.every((r) => r.images[0].startsWith('cohort/images/')));
    assert.ok(records.filter((r) => r.split === 'ext_vqa').every((r) => r.vqaSet === 'ext-vqa'));
    assert.ok(records.filter((r) => r.split === 'cxr_vqa').every((r) => r.vqaSet === 'cxr-vqa'));
    assert.equal(new Set(records.map((r) => `${r.split}|${r.id}`)).size, records.length);
    const big = buildBenchmark({ cohort: { studies: studies.slice(0, 20), root: 'c' } }, { seed: 3, total: 400 });
    const mf = big.summary.find((s) => s.split === 'mimic_findings')!;
    assert.equal(mf.requested, 84);
    assert.ok(mf.built < mf.requested, 'a small pool gives a shortfall, reported');
  });

  it('real sources take their splits; the cohort fills the rest', () => {
    const mimic = loadMimicCxr(join(FX, 'mimic'));
    const ext = loadExtVqa(join(FX, 'vqa', 'ext-vqa.json'), { imagesRoot: join(FX, 'mimic') });
    const { records, summary } = buildBenchmark(
      { cohort: { studies, root: 'cohort' }, mimic: { studies: mimic.items, root: '/mimic' }, extVqa: { records: ext.items, root: '/mimic' } },
      { seed: 3, total: 400 },
    );
    const by = Object.fromEntries(summary.map((s) => [s.split, s.sources]));
    assert.deepEqual(by.mimic_findings, { mimic: 3 });
    assert.deepEqual(by.ext_vqa, { 'ext-vqa': 3 });
    assert.deepEqual(Object.keys(by.openi_findings), ['synthetic']);
    assert.deepEqual(Object.keys(by.cxr_vqa), ['synthetic']);
    assert.ok(records.filter((r) => r.source === 'mimic').every((r) => r.images[0].startsWith('/mimic/files/')));
  });

  it('deterministic per seed', () => {
    const a = buildBenchmark({ cohort: { studies, root: '' } }, { seed: 5, total: 100 }).records;
    assert.deepEqual(buildBenchmark({ cohort: { studies, root: '' } }, { seed: 5, total: 100 }).records, a);
    assert.notDeepEqual(buildBenchmark({ cohort: { studies, root: '' } }, { seed: 6, total: 100 }).records, a);
  });

  it('prepareDatasets (smoke profile): cohort, patient splits, instruction sets and benchmark without leakage', async function () {
    this.timeout(60000);
    const dir = join(mkdtempSync(join(tmpdir(), 'dm-prep-')), 'd');
    try {
      const cfg = resolveConfig('smoke', { 'cohort.n': 60, 'benchmark.testStudies': 12, 'benchmark.valStudies': 6, 'benchmark.total': 30 });
      const p = await prepareDatasets(cfg, dir, { quiet: true, useShared: false });
      const testPatients = new Set(p.splits.test.map((s) => s.patientId));
      assert.ok(p.train.length > 0 && p.val.length > 0 && p.benchmark.length > 0);
      assert.ok(p.train.every((r) => !testPatients.has(r.patientId)));
      assert.ok(p.benchmark.every((r) => testPatients.has(r.patientId)));
      const lines = readFileSync(join(dir, 'xraybench.jsonl'), 'utf8').trim().split('\n');
      assert.equal(lines.length, p.benchmark.length);
      const splits = JSON.parse(readFileSync(join(dir, 'splits.json'), 'utf8'));
      assert.equal(splits.studies.test.length, p.splits.test.length);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});

import { main } from '../../src/cli.js';

describe('`deepmedix cohort --datasets` with real sources', () => {
  it('real sources take their splits; malformed rows stop the run unless --lenient, which counts them', async function () {
    this.timeout(60000);
    const root = mkdtempSync(join(tmpdir(), 'dm-cli-'));
    const quietLog = console.log;
    try {
      const base = ['cohort', '--profile', 'smoke', '--n', '40', '--datasets', '--quiet', '--mimic', join(FX, 'mimic'), '--ext-vqa', join(FX, 'vqa', 'ext-vqa.json')];
      console.log = () => {};
      await assert.rejects(main([...base, '--out', join(root, 'a'), '--cxr-vqa', join(FX, 'bad', 'cxr-vqa.csv')]), /cxr-vqa\.csv:3: column 'question_type': unknown question type 'diagnosis'/);
      // The failed run left nothing behind: no output directory, no temporary one.
      assert.deepEqual(readdirSync(root), []);
      assert.equal(await main([...base, '--out', join(root, 'b'), '--cxr-vqa', join(FX, 'bad', 'cxr-vqa.csv'), '--lenient']), 0);
      console.log = quietLog;
      const summary = JSON.parse(readFileSync(join(root, 'b', 'xraybench-summary.json'), 'utf8'));
      const by = Object.fromEntries(summary.splits.map((s: { split: string; sources: Record<string, number> }) => [s.split, s.sources]));
      assert.deepEqual(by.mimic_findings, { mimic: 1 }); // the fixture's one test study
      assert.deepEqual(by.ext_vqa, { 'ext-vqa': 2 });
      assert.deepEqual(by.cxr_vqa, { 'cxr-vqa': 1 });
      assert.equal(summary.skipped.length, 2);
      assert.match(summary.skipped[1].error, /cxr-vqa\.csv:4: image path .* escapes the dataset root/);
    } finally {
      console.log = quietLog;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
