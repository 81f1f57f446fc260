import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { prepareDatasets } from '../../src/data/prepare.js';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';

/**
 * A training stage started through the real command line, killed with SIGKILL once its first
 * checkpoint is on disk and it has logged a step past it, then started again with the same
 * command: it must go on from the saved step (dropping the log rows written after it) and end
 * exactly where an uninterrupted run of that command ends (same step log, same checkpoint down to
 * the last bit: weights, AdamW moments, RNG state). Both stages promise an exact resume on one
 * backend; the child processes pick the same backend as each other.
 */
describe('deepmedix train: killed with SIGKILL and run again', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'dmx-kill-'));
  const cohort = join(dir, 'cohort');
  const running = new Set<ChildProcess>();
  // Tiny cohort (16 studies, 4 held out) so a whole run takes seconds; --resume on every run: the
  // first starts fresh (nothing to resume), the rerun continues.
  const common = ['--profile', 'smoke', '--cohort', cohort, '--resume', '--benchmark.testStudies', '2', '--benchmark.valStudies', '2'];
  const sft = (out: string) => ['train', '--stage', 'sft', ...common, '--out', out, '--sft.batchSize', '2', '--sft.saveEvery', '4', '--sft.evalEvery', '10', '--sft.valItems', '4', '--sft.evalSamples', '1'];
  // GRPO checkpoints every 10 steps (not settable from the command line) and at the end.
  const grpo = (out: string, init: string) => ['train', '--stage', 'grpo', ...common, '--init', init, '--out', out, '--grpo.steps', '20'];

  interface Exit {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }

  /** Start the CLI in its own process group (so SIGKILL reaches everything it started). */
  function start(args: string[]): { child: ChildProcess; exit: Promise<Exit> } {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/deepmedix.js'), ...args], { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<Exit>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal, stderr });
      });
    });
    return { child, exit };
  }

  async function runToEnd(args: string[]): Promise<Exit> {
    const r = await start(args).exit;
    assert.equal(r.code, 0, `deepmedix ${args.join(' ')} failed:\n${r.stderr}`);
    return r;
  }

  /**
   * Run, and SIGKILL the process group as soon as `out/checkpoint.bin` exists (it is written
   * atomically) and the log `out/LOG` has a row for `step` (one past the first checkpoint's).
   */
  async function killAfterFirstCheckpoint(args: string[], out: string, log: string, step: number): Promise<void> {
    const { child, exit } = start(args);
    let exited = false;
    void exit.then(() => (exited = true));
    const logged = () => existsSync(join(out, log)) && readFileSync(join(out, log), 'utf8').includes(`"step":${step},`);
    while (!(existsSync(join(out, 'checkpoint.bin')) && logged()) && !exited) await new Promise((r) => setTimeout(r, 5));
    if (!exited) process.kill(-child.pid!, 'SIGKILL');
    const r = await exit;
    assert.equal(r.signal, 'SIGKILL', `the run ended before it could be killed (exit ${r.code}):\n${r.stderr}`);
  }

  const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
  /** A log line's step; a line torn by the kill counts as past every checkpoint. */
  const stepOf = (line: string) => {
    try {
      return (JSON.parse(line) as { step: number }).step;
    } catch {
      return Infinity;
    }
  };
  /** A log row without its wall-clock fields. */
  const untimed = (line: string) => {
    const { seconds: _s, tokensPerSec: _t, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  };

  /** The checkpoint in `b` equals the one in `a`: header (spec, tokenizer, config, trainer state) and every tensor. */
  function assertSameCheckpoint(a: string, b: string): void {
    const ca = readCheckpoint(a);
    const cb = readCheckpoint(b);
    for (const part of ['spec', 'tokenizer', 'config', 'state', 'tensors'] as const) assert.deepEqual(cb.header[part], ca.header[part], `checkpoint header: ${part}`);
    assert.deepEqual(cb.header, ca.header);
    assert.ok(ca.values.size > 0);
    for (const [name, va] of ca.values) assert.ok(Buffer.from(cb.values.get(name)!.buffer).equals(Buffer.from(va.buffer)), `tensor ${name} differs`);
  }

  const stateOf = (out: string) => readCheckpoint(out).header.state as { stage: string; step: number; complete?: boolean };

  before(async () => {
    const config = resolveConfig('smoke', { seed: 11, 'cohort.n': 16, 'cohort.frame': 128, 'benchmark.testStudies': 2, 'benchmark.valStudies': 2, 'benchmark.total': 8 });
    await prepareDatasets(config, cohort, { useShared: false, quiet: true });
  });
  after(() => {
    for (const c of running) if (c.pid) process.kill(-c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stage 1 SFT resumes at the checkpoint step and ends identical to an uninterrupted run', async () => {
    const straight = join(dir, 'sft-straight');
    const killed = join(dir, 'sft-killed');
    await runToEnd(sft(straight));
    const total = stateOf(straight).step;
    const { trainItems } = JSON.parse(lines(join(straight, 'run.jsonl'))[0]) as { trainItems: number };
    assert.equal(total, Math.ceil(trainItems / 2), `${trainItems} training records at batch 2`);

    await killAfterFirstCheckpoint(sft(killed), killed, 'run.jsonl', 5);
    const saved = stateOf(killed);
    assert.equal(saved.complete, false);
    assert.ok(saved.step >= 4 && saved.step < total && saved.step % 4 === 0, `checkpoint at step ${saved.step}`);
    const before = lines(join(killed, 'run.jsonl'));
    assert.ok(before.some((l) => stepOf(l) > saved.step), 'the killed run logged steps after its checkpoint');

    const again = await runToEnd(sft(killed));
    assert.ok(again.stderr.includes(`sft: resuming from ${killed} at step ${saved.step}`), again.stderr);
    const log = lines(join(killed, 'run.jsonl'));
    // Rows up to the saved step are the killed run's own (timings included: nothing was redone);
    // rows it wrote after its last checkpoint are gone.
    const upTo = (ls: string[]) => ls.filter((l) => stepOf(l) <= saved.step);
    assert.deepEqual(upTo(log), upTo(before));
    assert.deepEqual(log.map(untimed), lines(join(straight, 'run.jsonl')).map(untimed));
    assert.equal(log.filter((l) => l.includes('"message":"start"')).length, 1);
    assertSameCheckpoint(straight, killed);
  });

  it('stage 3 GRPO resumes at the checkpoint step and ends identical to an uninterrupted run', async () => {
    const init = join(dir, 'sft-straight');
    if (!existsSync(join(init, 'checkpoint.bin'))) await runToEnd(sft(init));
    const straight = join(dir, 'grpo-straight');
    const killed = join(dir, 'grpo-killed');
    await runToEnd(grpo(straight, init));
    assert.equal(stateOf(straight).step, 20);

    await killAfterFirstCheckpoint(grpo(killed, init), killed, 'steps.jsonl', 11);
    const saved = stateOf(killed);
    assert.deepEqual([saved.stage, saved.step], ['grpo', 10]);
    const before = lines(join(killed, 'steps.jsonl'));
    assert.ok(before.length > 10, 'the killed run logged steps after its checkpoint');

    await runToEnd(grpo(killed, init));
    const log = lines(join(killed, 'steps.jsonl'));
    assert.deepEqual(log.slice(0, 10), before.slice(0, 10), 'the first 10 steps are the killed run’s rows, not redone');
    assert.deepEqual(log.map(untimed), lines(join(straight, 'steps.jsonl')).map(untimed));
    assertSameCheckpoint(straight, killed);
  });
});
