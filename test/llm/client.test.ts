/**
 * The chat client against a real HTTP server on 127.0.0.1 that each test scripts: status codes,
 * Retry-After, slow replies (timeouts), malformed JSON, concurrency, the cache, key hygiene.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ChatClient, ChatError, choiceTexts, extractChoices, extractContent, imagePart, isLocalEndpoint, parseRetryAfter, textPart } from '../../src/llm/client.js';
import { CompletionCache, requestKey } from '../../src/llm/cache.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void;

const reply = (text: string): string => JSON.stringify({ choices: [{ message: { role: 'assistant', content: text } }] });
/** A reply whose choices arrive in reverse index order: choice i says `c<i>`. */
const shuffledReply = (n: number): string =>
  JSON.stringify({ choices: Array.from({ length: n }, (_, k) => n - 1 - k).map((i) => ({ index: i, message: { role: 'assistant', content: `c${i}` } })) });

describe('reasoning/client (local HTTP server)', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let hits = 0;
  let dir: string;
  const bodies: string[] = [];
  const headers: IncomingMessage['headers'][] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hits++;
        bodies.push(body);
        headers.push(req.headers);
        handler(req, body, res, hits);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    hits = 0;
    bodies.length = 0;
    headers.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'dmx-client-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const client = (extra: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}): ChatClient =>
    new ChatClient({ baseUrl, model: 'test-model', apiKey: '', backoffMs: 5, maxRetries: 3, timeoutMs: 2000, ...extra });

  it('posts an OpenAI-shaped body and returns the reply; the cache answers a rerun without a request', async () => {
    handler = (_q, _b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(reply('hello'));
    const cachePath = join(dir, 'cache.jsonl');
    const c1 = client({ cachePath });
    const req = { messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, maxTokens: 50 };
    assert.deepEqual(await c1.chat(req), { text: 'hello', cached: false });
    assert.equal(hits, 1);
    const sent = JSON.parse(bodies[0]);
    assert.equal(sent.model, 'test-model');
    assert.equal(sent.max_tokens, 50);
    assert.equal(sent.temperature, 0.2);
    assert.deepEqual(sent.messages, req.messages);
    assert.deepEqual(await c1.chat(req), { text: 'hello', cached: true });
    // A new client (a rerun) reads the cache file and sends nothing.
    const c2 = client({ cachePath });
    assert.deepEqual(await c2.chat(req), { text: 'hello', cached: true });
    assert.equal(hits, 1);
    // A different request is not a hit.
    await c2.chat({ ...req, temperature: 0.3 });
    assert.equal(hits, 2);
  });

  it('sends seed, top_p and n only when a request sets them; n choices come back in index order and are cached', async () => {
    handler = (_q, body, res) => res.writeHead(200).end(JSON.parse(body).n ? shuffledReply(JSON.parse(body).n) : reply('one'));
    const cachePath = join(dir, 'cache.jsonl');
    const c = client({ cachePath });
    const messages = [{ role: 'user', content: 'hi' }];
    // Without them: the body (hence the cache key) is what it always was, and so is the result.
    assert.deepEqual(await c.chat({ messages, maxTokens: 9 }), { text: 'one', cached: false });
    assert.deepEqual(JSON.parse(bodies[0]), { model: 'test-model', messages, temperature: 0, max_tokens: 9 });
    assert.equal(requestKey(c.body({ messages, maxTokens: 9 })), requestKey({ model: 'test-model', messages, temperature: 0, max_tokens: 9 }));
    // With them: passed through under their OpenAI names.
    const req = { messages, temperature: 0.8, seed: 42, topP: 0.9, n: 3 };
    assert.equal(shuffledReply(3).indexOf('"index":0') > shuffledReply(3).indexOf('"index":1'), true, 'fixture: choices out of order');
    assert.deepEqual(await c.chat(req), { text: 'c0', texts: ['c0', 'c1', 'c2'], cached: false });
    const sent = JSON.parse(bodies[1]);
    assert.deepEqual([sent.seed, sent.top_p, sent.n, sent.temperature], [42, 0.9, 3, 0.8]);
    assert.equal(hits, 2);
    // The cache keeps all three choices, in memory and on disk; another seed is another request.
    assert.deepEqual(await c.chat(req), { text: 'c0', texts: ['c0', 'c1', 'c2'], cached: true });
    assert.deepEqual(await client({ cachePath }).chat(req), { text: 'c0', texts: ['c0', 'c1', 'c2'], cached: true });
    assert.equal(hits, 2);
    await c.chat({ ...req, seed: 43 });
    assert.equal(JSON.parse(bodies[2]).seed, 43);
    // n: 1 set explicitly is sent, and `texts` comes back with its one text.
    assert.deepEqual(await c.chat({ messages, n: 1 }), { text: 'c0', texts: ['c0'], cached: false });
    assert.equal(JSON.parse(bodies[3]).n, 1);
    // Identical concurrent n > 1 requests share one call.
    hits = 0;
    const same = await Promise.all([1, 2].map(() => c.chat({ messages, n: 2, seed: 5 })));
    assert.equal(hits, 1);
    assert.deepEqual(same.map((r) => r.texts), [['c0', 'c1'], ['c0', 'c1']]);
  });

  it('a reply with fewer choices than n asked for fails at once, naming n', async () => {
    handler = (_q, _b, res) => res.writeHead(200).end(reply('only one'));
    await assert.rejects(client().chat({ messages: [{ role: 'user', content: 'x' }], n: 2 }), (e: unknown) => {
      assert.ok(e instanceof ChatError);
      assert.match(e.message, /asked for n=2 choices, the reply holds 1/);
      assert.equal(e.attempts, 1);
      return true;
    });
    assert.equal(hits, 1);
  });

  it('refuses an invalid seed, top_p or n before sending anything', async () => {
    handler = (_q, _b, res) => res.writeHead(200).end(reply('x'));
    const messages = [{ role: 'user', content: 'x' }];
    for (const [bad, msg] of [
      [{ n: 0 }, /n must be an integer >= 1, got 0/],
      [{ n: 1.5 }, /n must be an integer/],
      [{ topP: 0 }, /topP must be in \(0, 1\], got 0/],
      [{ topP: 1.5 }, /topP must be in/],
      [{ seed: 0.5 }, /seed must be an integer, got 0.5/],
    ] as const) {
      await assert.rejects(client().chat({ messages, ...bad }), msg);
    }
    assert.equal(hits, 0);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    handler = (_q, _b, res, n) => (n < 3 ? res.writeHead(503).end('busy') : res.writeHead(200).end(reply('ok')));
    const c = client();
    assert.equal((await c.chat({ messages: [{ role: 'user', content: 'x' }] })).text, 'ok');
    assert.equal(hits, 3);
    assert.equal(c.stats.retries, 2);
  });

  it('honours Retry-After on 429 over its own (longer) backoff', async () => {
    handler = (_q, _b, res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': '0' }).end('slow down') : res.writeHead(200).end(reply('ok')));
    const c = client({ backoffMs: 20000, maxBackoffMs: 20000 });
    const t0 = Date.now();
    assert.equal((await c.chat({ messages: [{ role: 'user', content: 'x' }] })).text, 'ok');
    assert.ok(Date.now() - t0 < 5000, 'waited its own 20 s backoff instead of Retry-After: 0');
    assert.equal(hits, 2);
  });

  it('waits the Retry-After seconds when the server asks', async () => {
    handler = (_q, _b, res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end(reply('ok')));
    const t0 = Date.now();
    await client({ backoffMs: 1 }).chat({ messages: [{ role: 'user', content: 'x' }] });
    assert.ok(Date.now() - t0 >= 950, `retried after ${Date.now() - t0} ms`);
  });

  it('does not retry a 400 and reports the status', async () => {
    handler = (_q, _b, res) => res.writeHead(400).end('{"error":"bad model"}');
    await assert.rejects(client().chat({ messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof ChatError);
      assert.equal(e.status, 400);
      assert.equal(e.attempts, 1);
      assert.match(e.message, /HTTP 400.*bad model/);
      return true;
    });
    assert.equal(hits, 1);
  });

  it('times out a slow reply, retries, then fails with a clear error', async () => {
    handler = (_q, _b, res) => setTimeout(() => res.writeHead(200).end(reply('late')), 600).unref();
    await assert.rejects(client({ timeoutMs: 100, maxRetries: 1 }).chat({ messages: [{ role: 'user', content: 'x' }] }), /timed out after 100 ms/);
    assert.equal(hits, 2);
  });

  it('retries a malformed JSON reply and fails naming it', async () => {
    handler = (_q, _b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ {"mess');
    await assert.rejects(client({ maxRetries: 2 }).chat({ messages: [{ role: 'user', content: 'x' }] }), /malformed reply/);
    assert.equal(hits, 3);
  });

  it('recovers when a malformed reply is followed by a good one', async () => {
    handler = (_q, _b, res, n) => res.writeHead(200).end(n === 1 ? '{"choices": []}' : reply('fine'));
    assert.equal((await client().chat({ messages: [{ role: 'user', content: 'x' }] })).text, 'fine');
  });

  it('keeps at most `concurrency` requests in flight and shares identical ones', async () => {
    let active = 0;
    let peak = 0;
    handler = (_q, body, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        res.writeHead(200).end(reply(JSON.parse(body).messages[0].content));
      }, 40);
    };
    const c = client({ concurrency: 3 });
    const texts = await Promise.all(Array.from({ length: 10 }, (_, i) => c.chat({ messages: [{ role: 'user', content: `q${i}` }] })));
    assert.deepEqual(texts.map((t) => t.text), Array.from({ length: 10 }, (_, i) => `q${i}`));
    assert.equal(peak, 3);
    hits = 0;
    const same = await Promise.all([1, 2, 3].map(() => c.chat({ messages: [{ role: 'user', content: 'dup' }] })));
    assert.equal(hits, 1);
    assert.deepEqual(same.map((s) => s.cached).sort(), [false, true, true]);
  });

  it('sends images as base64 data URLs to a local endpoint', async () => {
    handler = (_q, _b, res) => res.writeHead(200).end(reply('seen'));
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await client().chat({ messages: [{ role: 'user', content: [imagePart(png), textPart('describe')] }] });
    const part = JSON.parse(bodies[0]).messages[0].content[0];
    assert.equal(part.type, 'image_url');
    assert.equal(part.image_url.url, `data:image/png;base64,${Buffer.from(png).toString('base64')}`);
  });

  it('refuses images for a non-local endpoint without the opt-in, and says why', async () => {
    const c = new ChatClient({ baseUrl: 'https://api.example.com/v1', model: 'm', apiKey: '' });
    await assert.rejects(
      c.chat({ messages: [{ role: 'user', content: [imagePart(Uint8Array.from([1]))] }] }),
      /not a local endpoint.*forbid sharing.*allowExternalImages/s,
    );
    assert.equal(c.stats.requests, 0);
    assert.equal(isLocalEndpoint('http://localhost:8000/v1'), true);
    assert.equal(isLocalEndpoint('http://[::1]:8000/v1'), true);
    assert.equal(isLocalEndpoint('http://10.0.0.5:8000/v1'), false);
  });

  it('sends the key only in the Authorization header: never in errors, the cache, JSON or inspect', async () => {
    const secret = 'sk-test-SECRET-9f8e7d';
    handler = (q, _b, res, n) =>
      n === 1 ? res.writeHead(401).end(`invalid key ${q.headers.authorization}`) : res.writeHead(200).end(reply('ok'));
    const cachePath = join(dir, 'cache.jsonl');
    const c = client({ apiKey: secret, cachePath });
    const logged: string[] = [];
    const orig = { log: console.log, error: console.error, warn: console.warn };
    console.log = console.error = console.warn = (...a: unknown[]) => void logged.push(a.join(' '));
    try {
      await assert.rejects(c.chat({ messages: [{ role: 'user', content: 'a' }] }), (e: Error) => {
        assert.ok(!e.message.includes(secret), e.message);
        assert.match(e.message, /\[redacted\]/);
        return true;
      });
      await c.chat({ messages: [{ role: 'user', content: 'b' }] });
    } finally {
      Object.assign(console, orig);
    }
    assert.equal(headers[0].authorization, `Bearer ${secret}`);
    assert.equal(c.hasApiKey, true);
    assert.ok(!readFileSync(cachePath, 'utf8').includes(secret));
    assert.ok(!JSON.stringify(c).includes(secret));
    assert.ok(!inspect(c, { depth: 10, showHidden: true }).includes(secret));
    assert.ok(!logged.join('\n').includes(secret));
  });

  it('reads the key from DEEPMEDIX_API_KEY when none is given', async () => {
    handler = (_q, _b, res) => res.writeHead(200).end(reply('ok'));
    const saved = process.env.DEEPMEDIX_API_KEY;
    process.env.DEEPMEDIX_API_KEY = 'env-key-123';
    try {
      await new ChatClient({ baseUrl, model: 'm' }).chat({ messages: [{ role: 'user', content: 'x' }] });
    } finally {
      if (saved === undefined) delete process.env.DEEPMEDIX_API_KEY;
      else process.env.DEEPMEDIX_API_KEY = saved;
    }
    assert.equal(headers[0].authorization, 'Bearer env-key-123');
  });
});

describe('reasoning/cache', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dmx-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('repairs a torn last line on load and keeps the earlier entries', () => {
    const path = join(dir, 'cache.jsonl');
    const a = { key: 'k1', model: 'm', text: 'first', at: 't' };
    const b = { key: 'k2', model: 'm', text: 'second', at: 't' };
    writeFileSync(path, `${JSON.stringify(a)}\n${JSON.stringify(b)}\n{"key":"k3","model":"m","te`);
    const cache = new CompletionCache(path);
    assert.equal(cache.loadReport.repairedTornTail, true);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('k2')?.text, 'second');
    cache.put('k3', 'm', 'third');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.key), ['k1', 'k2', 'k3']);
    assert.equal(new CompletionCache(path).size, 3);
  });

  it('keys requests by content, whatever the key order', () => {
    assert.equal(requestKey({ a: 1, b: [1, { c: 2, d: 3 }] }), requestKey({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(requestKey({ a: 1 }), requestKey({ a: 2 }));
    assert.match(requestKey({}), /^[0-9a-f]{64}$/);
  });

  it('parses reply content and Retry-After', () => {
    assert.equal(extractContent(reply('x')), 'x');
    assert.equal(extractContent('{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}'), 'ab');
    assert.equal(extractContent('not json'), null);
    assert.equal(extractContent('{"choices":[{"message":{}}]}'), null);
    assert.deepEqual(extractChoices(shuffledReply(4)), ['c0', 'c1', 'c2', 'c3']);
    assert.equal(extractContent(shuffledReply(4)), 'c0');
    assert.deepEqual(extractChoices('{"choices":[{"message":{"content":"a"}},{"message":{"content":[{"type":"text","text":"b"}]}}]}'), ['a', 'b']);
    assert.equal(extractChoices('{"choices":[{"message":{"content":"a"}},{"message":{}}]}'), null);
    assert.equal(extractChoices('{"choices":[]}'), null);
    assert.deepEqual(choiceTexts({ text: 'a', cached: false }), ['a']);
    assert.deepEqual(choiceTexts({ text: 'a', texts: ['a', 'b'], cached: false }), ['a', 'b']);
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter(null), null);
    assert.equal(parseRetryAfter('soon'), null);
  });
});
