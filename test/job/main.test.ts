import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.js';
import { resolveConfig, type Overrides } from '../../src/config.js';
import { BASELINE_NAME } from '../../src/job/steps/evaluate.js';
import { layoutAt } from '../../src/run-layout.js';
import { MODEL_NAMES } from '../../src/job/context.js';
import { runMainJob, type MainJobResult } from '../../src/job/main.js';
import { readJson, readJsonl } from '../../src/util/fsx.js';
import { chromiumPath, type ExportFormat } from '../../src/plots/render.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';

const STEPS = ['cohort', 'stage1', 'synthesis', 'stage2', 'stage3', 'evaluate', 'arena', 'figures'];

describe('main job (smoke profile, end to end)', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'dmx-job-'));
  const runDir = join(dir, 'run');
  const L = layoutAt(runDir);
  const figuresDir = join(dir, 'figures');
  const formats: ExportFormat[] = chromiumPath() ? ['png'] : ['html'];
  const ext = formats[0];
  const base: Record<string, unknown> = { 'arena.battles': 60, 'arena.bootstrap': 10, 'grpo.steps': 2 };
  const job = (overrides: Overrides, fmt = formats) => runMainJob(resolveConfig('smoke', { ...base, ...overrides }), { runDir, figuresDir, formats: fmt, quiet: true, log: () => {} });
  const status = (r: MainJobResult) => Object.fromEntries(r.steps.map((s) => [s.id, s.status]));
  let first: MainJobResult;

  before(async () => {
    await initBackend();
    first = await job({});
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every step and leaves predictions, scores, the arena ranking and the figures', () => {
    assert.deepEqual(first.steps.map((s) => s.id), STEPS);
    assert.ok(first.steps.every((s) => s.status === 'ran'));
    const bench = readJsonl<{ id: string }>(L.benchmark);
    for (const stage of ['stage1', 'stage2', 'stage3'] as const) {
      const preds = readJsonl<{ id: string }>(L.predictions(stage));
      assert.deepEqual(preds.map((p) => p.id), bench.map((b) => b.id), `${stage} predicted every benchmark item`);
    }
    const names = [MODEL_NAMES.stage1, MODEL_NAMES.stage2, MODEL_NAMES.stage3, BASELINE_NAME];
    assert.deepEqual(Object.keys(first.headline), names);
    for (const [m, h] of Object.entries(first.headline)) {
      const r = readJson<{ model: string; counts: { missing: number; benchmark: number } }>(join(L.step('evaluate'), h.file));
      assert.equal(r.model, m);
      assert.equal(r.counts.missing, 0);
      assert.equal(r.counts.benchmark, bench.length);
      for (const x of [h.reportAverage, h.vqaAccuracy]) assert.ok(x !== null && x >= 0 && x <= 1, `${m}: ${x}`);
    }
    const ranking = readJson<{ ranking: { model: string }[]; battles: number }>(join(L.step('arena'), 'ranking.json'));
    assert.deepEqual(ranking.ranking.map((r) => r.model).sort(), [...names].sort());
    assert.equal(ranking.battles, 60);
    const table1 = readFileSync(join(figuresDir, 'table1-report-generation.md'), 'utf8');
    for (const m of names) assert.ok(table1.includes(m), `Table 1 has a row for ${m}`);
    for (const f of ['fig1c-report-comparison', 'fig1e-sft-vs-rl', 'fig2h-arena-battle-counts', 'fig3a-vqa-by-question-type', 'grpo-training-curves']) {
      const p = join(figuresDir, `${f}.${ext}`);
      assert.ok(existsSync(p) && statSync(p).size > 1000, `${p} written`);
    }
    const summary = readJson<{ steps: { id: string }[] }>(L.summary);
    assert.deepEqual(summary.steps.map((s) => s.id), STEPS);
  });

  it('a second run skips every step and rewrites nothing', async () => {
    const pred = L.predictions('stage1');
    const mtime = statSync(pred).mtimeMs;
    const again = await job({});
    assert.ok(again.steps.every((s) => s.status === 'skipped'), JSON.stringify(status(again)));
    assert.equal(statSync(pred).mtimeMs, mtime);
    assert.deepEqual(again.headline, first.headline);
  });

  it('deleted figures are made again though nothing else changed', async () => {
    rmSync(figuresDir, { recursive: true });
    const again = await job({});
    assert.equal(again.steps.filter((s) => s.status === 'ran').map((s) => s.id).join(), 'figures');
    assert.ok(existsSync(join(figuresDir, 'table1-report-generation.md')));
  });

  it("the GRPO command without --init starts from the job's stage-2 checkpoint, on the job's cohort, and repeats the job's stage 3", () => {
    const out = join(dir, 'cli-grpo');
    const flags = Object.entries(base).map(([k, v]) => `--${k}=${v}`);
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/deepmedix.js'), 'train', '--stage', 'grpo', '--profile', 'smoke', '--run', runDir, '--out', out, '--quiet', ...flags], { encoding: 'utf8', cwd: PROJECT_ROOT });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`starting from ${L.model('stage2').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    assert.doesNotMatch(r.stdout, /building it/, 'the cohort was the job\'s');
    // Same start, prompts and seed: the same steps (sampled tokens and rewards exactly; log-probs to
    // float rounding, which the heap layout of another process can move in the last digits).
    const round = (v: unknown): unknown => (typeof v === 'number' ? Number(v.toPrecision(6)) : Array.isArray(v) ? v.map(round) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'seconds' && k !== 'gradNorm').map(([k, x]) => [k, round(x)])) : v);
    assert.deepEqual(readJsonl(join(out, 'steps.jsonl')).map(round), readJsonl(join(L.model('stage3'), 'steps.jsonl')).map(round));
  });

  it('a changed --grpo.* override reruns stage 3 and everything after it, nothing before', async () => {
    const stepsPath = join(L.model('stage3'), 'steps.jsonl');
    const before = readJsonl<{ step: number }>(stepsPath);
    // (HTML figures only this time: Chromium's export was checked by the first run.)
    const changed = await job({ 'grpo.steps': 3, 'grpo.temperature': 0.9 }, ['html']);
    assert.deepEqual(status(changed), {
      cohort: 'skipped', stage1: 'skipped', synthesis: 'skipped', stage2: 'skipped',
      stage3: 'ran', evaluate: 'ran', arena: 'ran', figures: 'ran',
    });
    const steps = readJsonl<{ step: number }>(stepsPath);
    assert.deepEqual(steps.map((s) => s.step), [1, 2, 3]);
    // GRPO started over from the cold-start model at the new temperature: had it resumed the
    // 2-step run's checkpoint, steps 1-2 would be the old run's log lines.
    assert.notDeepEqual(steps[0], before[0], 'step 1 was sampled again');
  });
});
