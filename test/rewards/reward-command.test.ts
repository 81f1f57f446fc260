import assert from 'node:assert/strict';
import { command } from '../../src/commands/reward.js';
import { UsageError } from '../../src/commands/args.js';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    const code = await command.run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = orig;
  }
}

describe('deepmedix reward', () => {
  it('prints the components as JSON (hand-worked: 0.9·1.5 + 0.1·1 + 0.05 = 1.5)', async () => {
    const { code, out } = await capture(['--response', '<think>Heart [100, 120, 400, 380].</think> \\boxed{Cardiomegaly}', '--answer', 'cardiomegaly']);
    assert.equal(code, 0);
    const r = JSON.parse(out) as Record<string, unknown>;
    assert.equal(r.kind, 'short');
    assert.equal(r.answer, 1.5);
    assert.equal(r.format, 1);
    assert.ok(Math.abs((r.total as number) - 1.5) < 1e-12);
  });

  it('takes --kind and --reward.* overrides, and rejects a bad kind', async () => {
    const { out } = await capture(['--response=\\boxed{a | b}', '--answer', 'a|b|c', '--kind', 'list', '--reward.lambda=0.5']);
    const r = JSON.parse(out) as { answer: number; total: number };
    assert.ok(Math.abs(r.answer - 1.5 * 0.8) < 1e-12); // P = 1, R = 2/3
    assert.ok(Math.abs(r.total - 0.5 * 1.2) < 1e-12);
    await assert.rejects(command.run(['--response', 'x', '--answer', 'y', '--kind', 'long']), UsageError);
    await assert.rejects(command.run(['--answer', 'y']), /missing --response/);
  });
});
