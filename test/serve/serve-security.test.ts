/**
 * `deepmedix serve` against a hostile page or a clumsy client, on a real server on 127.0.0.1: the
 * same Host/Origin rules as the viewer (no DNS rebinding, no cross-site use), an optional API key,
 * malformed %-escapes as 400s, no probing of local files, and a huge prompt refused before it is
 * tokenized (so /health stays responsive).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.js';
import { imagePart } from '../../src/llm/client.js';
import { ModelEngine } from '../../src/serve/engine.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { tinyBenchmark, tinyCheckpoint } from './fixtures.js';

function raw(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: any }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    req.on('error', fail);
    req.end(o.body);
  });
}

describe('serve: Host, Origin, API key, URL and image-path checks', function () {
  this.timeout(60_000);
  let dir: string;
  let engine: ModelEngine;
  let srv: RunningServer;
  let keyed: RunningServer;
  let bench: Awaited<ReturnType<typeof tinyBenchmark>>;
  const json = { 'content-type': 'application/json' };
  const chat = (image: string) => JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image } }, { type: 'text', text: 'Which side is opaque?' }] }], max_tokens: 2 });

  before(async () => {
    await initBackend({ log: null });
    dir = mkdtempSync(join(tmpdir(), 'dmx-serve-sec-'));
    engine = ModelEngine.fromCheckpoint(tinyCheckpoint(join(dir, 'tiny')));
    bench = await tinyBenchmark(1);
    srv = await startServer(engine, { port: 0, imageRoot: join(bench.root, 'images') });
    keyed = await startServer(engine, { port: 0, apiKey: 'sekrit' });
  });
  after(async () => {
    await srv?.close();
    await keyed?.close();
    engine?.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(bench.root, { recursive: true, force: true });
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin; answers its own', async () => {
    const base = srv.baseUrl;
    assert.equal((await raw(`${base}/models`, { headers: { host: `evil.example:${srv.port}` } })).status, 403);
    const post = await raw(`${base}/chat/completions`, { method: 'POST', headers: { ...json, host: `evil.example:${srv.port}` }, body: chat((imagePart(join(bench.root, 'images/s0.png')) as { image_url: { url: string } }).image_url.url) });
    assert.equal(post.status, 403);
    assert.equal(post.json.error.code, 'forbidden');
    assert.equal((await raw(`${base}/models`, { headers: { origin: 'http://evil.example' } })).status, 403);
    assert.equal((await raw(`${base}/models`, { headers: { origin: `http://127.0.0.1:${srv.port}` } })).status, 200);
    assert.equal((await raw(`${base}/models`, { headers: { host: `localhost:${srv.port}` } })).status, 200);
  });

  it('with an API key, requests without it get a 401 in OpenAI shape', async () => {
    const r = await raw(`${keyed.baseUrl}/models`);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'invalid_api_key');
    assert.equal((await raw(`${keyed.baseUrl}/models`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await raw(`${keyed.baseUrl}/models`, { headers: { authorization: 'Bearer sekrit' } })).status, 200);
  });

  it('a malformed %-escape is a 400', async () => {
    const r = await raw(`${srv.baseUrl}/models/%E0%A4%A`);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_url');
  });

  it('a file path outside the image root is refused the same way whether the file exists or not', async () => {
    const answers = [];
    for (const p of ['/etc/passwd', '/nonexistent/x.png', `${join(bench.root, 'images')}/../bench.jsonl`, `file://${join(bench.root, 'bench.jsonl')}`]) {
      const r = await raw(`${srv.baseUrl}/chat/completions`, { method: 'POST', headers: json, body: chat(p) });
      assert.equal(r.status, 400, p);
      answers.push(`${r.json.error.code}: ${r.json.error.message.replace(/'[^']*image_url\.url'/, '')}`);
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.match(answers[0], /unsupported_image_url: .*only under its image root/);
    const inside = await raw(`${srv.baseUrl}/chat/completions`, { method: 'POST', headers: json, body: chat(join(bench.root, 'images/s0.png')) });
    assert.equal(inside.status, 200, JSON.stringify(inside.json));
    const noRoot = await raw(`${keyed.baseUrl}/chat/completions`, { method: 'POST', headers: { ...json, authorization: 'Bearer sekrit' }, body: chat(join(bench.root, 'images/s0.png')) });
    assert.equal(noRoot.json.error.code, 'unsupported_image_url', 'without an image root only data: URLs are read');
  });

  it('a 20 MB prompt is refused without being tokenized, so /health stays responsive', async () => {
    const encode = engine.tokenizer.encode.bind(engine.tokenizer);
    let calls = 0;
    engine.tokenizer.encode = (t: string) => (calls++, encode(t));
    try {
      const body = JSON.stringify({ messages: [{ role: 'user', content: [imagePart(join(bench.root, 'images/s0.png')), { type: 'text', text: 'word '.repeat(4_000_000) }] }] });
      const t0 = Date.now();
      const r = await raw(`${srv.baseUrl}/chat/completions`, { method: 'POST', headers: json, body });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'context_length_exceeded');
      assert.equal(calls, 0, 'the prompt was not tokenized');
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    } finally {
      engine.tokenizer.encode = encode;
    }
  });
});
