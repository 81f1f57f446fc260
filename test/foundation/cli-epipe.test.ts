/** Output piped into a reader that stops early (`deepmedix … | head`) ends the CLI quietly, not with an EPIPE stack. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.js';

describe('cli: a closed stdout pipe', function () {
  this.timeout(60_000);
  it('exits 0 without an EPIPE stack when the reader goes away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmx-epipe-'));
    try {
      const reports = join(dir, 'r.jsonl');
      writeFileSync(reports, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `r${i}`, text: 'Small left pleural effusion. No pneumothorax. '.repeat(4) })).join('\n') + '\n');
      // As a shell runs `deepmedix label … | head -1`: the reader exits after one line.
      const cli = `${JSON.stringify(process.execPath)} --import tsx src/cli.ts label --reports ${JSON.stringify(reports)}`;
      const child = spawn('bash', ['-o', 'pipefail', '-c', `${cli} | head -1 > /dev/null`], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c));
      const code = await new Promise<number | null>((ok) => child.on('close', ok));
      assert.doesNotMatch(err, /EPIPE/);
      assert.equal(code, 0, err);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
