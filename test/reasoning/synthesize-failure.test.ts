/**
 * `deepmedix synthesize` with an OpenAI-compatible endpoint that refuses every connection fails:
 * non-zero, with the endpoint's error, and fast (it stops asking once the first requests all failed
 * the same way) instead of "kept 0 of N" and exit 0 after minutes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, FailFastChat } from '../../src/commands/synthesize.js';
import { resolveConfig } from '../../src/config.js';
import { prepareDatasets } from '../../src/data/prepare.js';
import type { ChatModel } from '../../src/llm/client.js';

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

describe('synthesize: a failing endpoint is a failure', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmx-synfail-'));
    const config = resolveConfig('smoke', { seed: 5, 'cohort.n': 8, 'benchmark.testStudies': 2, 'benchmark.valStudies': 1, 'benchmark.total': 6 });
    await prepareDatasets(config, join(dir, 'cohort'), { useShared: false, quiet: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an endpoint refusing every connection: non-zero with its error, in seconds', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const argv = ['--cohort', join(dir, 'cohort'), '--out', join(dir, 'out'), '--profile', 'smoke', '--benchmark.testStudies=2', '--benchmark.valStudies=1', '--n', '12', '--quiet',
      '--synthesis.provider=openai', `--synthesis.baseUrl=http://127.0.0.1:${port}/v1`, '--synthesis.maxRetries=1', '--synthesis.concurrency=2'];
    await assert.rejects(command.run(argv), (e: Error) => /all 12 requests failed/.test(e.message) && /network error/.test(e.message) && e.message.includes(`127.0.0.1:${port}`));
    assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
  });

  it('FailFastChat trips on identical first failures only, not after a success', async () => {
    let calls = 0;
    const down: ChatModel = { chat: async () => (calls++, Promise.reject(new Error('connection refused'))) };
    const ff = new FailFastChat(down, 3);
    for (let i = 0; i < 10; i++) await assert.rejects(ff.chat({ messages: [] }), /connection refused/);
    assert.equal(calls, 3, 'after three identical failures it stops asking');
    assert.match(ff.tripped!, /first 3 requests all failed: connection refused/);
    let n = 0;
    const flaky: ChatModel = { chat: async () => (n++ === 0 ? { text: 'ok', cached: false } : Promise.reject(new Error('timeout'))) };
    const ff2 = new FailFastChat(flaky, 2);
    await ff2.chat({ messages: [] });
    for (let i = 0; i < 5; i++) await assert.rejects(ff2.chat({ messages: [] }), /timeout/);
    assert.equal(n, 6, 'an endpoint that answered once is asked every time');
    assert.equal(ff2.tripped, null);
  });
});
