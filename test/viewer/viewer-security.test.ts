/**
 * The reviewer web app against a hostile page or a clumsy client, on a real server on 127.0.0.1:
 * cross-site writes (text/plain, foreign Origin), foreign Host headers (DNS rebinding), requests
 * without the token, blinding kept in errors, oversized bodies answered with a 413, HEAD and 405.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ViewerItem } from '../../src/viewer/items.js';
import { startViewer, type RunningViewer } from '../../src/viewer/server.js';

/** A raw HTTP request (fetch cannot set Host): status, headers and body text. */
function raw(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(o.body);
  });
}

const ITEM: ViewerItem = {
  id: 'q1',
  task: 'vqa',
  questionType: 'presence',
  prompt: 'Is there an effusion?',
  truth: 'yes',
  frame: 512,
  trueBoxes: [],
  imagePath: '/nonexistent.png',
  responses: [
    { model: 'SecretModelA', think: 'x', text: '\\boxed{yes}', boxes: [], answer: 'yes', wellFormatted: true },
    { model: 'SecretModelB', think: 'y', text: '\\boxed{no}', boxes: [], answer: 'no', wellFormatted: true },
  ],
} as unknown as ViewerItem;

const REVIEW = { itemId: 'q1', reviewer: 'mallory', group: 'g', scores: { 0: { relevance: 1, correctness: 1, completeness: 1 }, 1: { relevance: 0, correctness: 0, completeness: 0 } }, preference: { grounded: 0, overall: 0 } };

describe('viewer: Host, Origin, token and blinding', function () {
  this.timeout(30_000);
  let dir: string;
  let v: RunningViewer;
  let reviews: string;
  const lines = () => (existsSync(reviews) ? readFileSync(reviews, 'utf8').split('\n').filter(Boolean).length : 0);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dmx-viewer-sec-'));
    reviews = join(dir, 'reviews.jsonl');
    v = await startViewer({ items: [ITEM], reviewsPath: reviews, seed: 1 });
  });
  after(async () => {
    await v.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const auth = () => ({ 'x-deepmedix-token': v.token! });

  it('a cross-site POST is refused and appends nothing: text/plain, a foreign Origin, no token', async () => {
    const body = JSON.stringify(REVIEW);
    const textPlain = await raw(`${v.url}api/review`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body });
    assert.equal(textPlain.status, 415);
    const foreign = await raw(`${v.url}api/review`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', origin: 'http://evil.example' }, body });
    assert.equal(foreign.status, 403);
    assert.match(foreign.text, /cross-site/);
    const noToken = await raw(`${v.url}api/review`, { method: 'POST', headers: { 'content-type': 'application/json', origin: v.url.replace(/\/$/, '') }, body });
    assert.equal(noToken.status, 403);
    assert.equal(lines(), 0);
    const ok = await raw(`${v.url}api/review`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', origin: v.url.replace(/\/$/, '') }, body });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(lines(), 1);
  });

  it('a foreign Host (DNS rebinding) gets no items, even with the token; loopback names are fine', async () => {
    const port = new URL(v.url).port;
    for (const h of [`evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost', `[::2]:${port}`]) {
      const r = await raw(`${v.url}api/items`, { headers: { ...auth(), host: h } });
      assert.equal(r.status, 403, `Host '${h}'`);
      assert.doesNotMatch(r.text, /SecretModel|effusion/);
    }
    for (const h of [`localhost:${port}`, `127.0.0.1:${port}`]) assert.equal((await raw(`${v.url}api/items`, { headers: { ...auth(), host: h } })).status, 200, h);
  });

  it('without the token nothing is served; the page with ?token sets a same-site cookie that then works', async () => {
    assert.equal((await raw(`${v.url}api/items`)).status, 403);
    assert.equal((await raw(v.url)).status, 403);
    assert.equal((await raw(`${v.url}?token=wrong`)).status, 403);
    const page = await raw(v.openUrl);
    assert.equal(page.status, 200);
    const cookie = String((page.headers['set-cookie'] as string[])[0]);
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    assert.equal((await raw(`${v.url}api/items`, { headers: { cookie: cookie.split(';')[0] } })).status, 200);
  });

  it('in blind mode a validation error names the response slot, never the model', async () => {
    const bad = { ...REVIEW, scores: { 0: { relevance: 7, correctness: 1, completeness: 1 }, 1: REVIEW.scores[1] } };
    const r = await raw(`${v.url}api/review`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    assert.equal(r.status, 400);
    assert.match(r.text, /Response [12]/);
    assert.doesNotMatch(r.text, /SecretModel/);
    const missing = await raw(`${v.url}api/review`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ ...REVIEW, scores: { 0: REVIEW.scores[0] } }) });
    assert.doesNotMatch(missing.text, /SecretModel/);
    assert.match(missing.text, /scores for Response 2 are missing/);
  });

  it('an oversized body gets a 413 (not a dropped socket); HEAD / is answered; a wrong method is a 405', async () => {
    const big = Buffer.alloc(3 << 20, 0x61);
    const r = await raw(`${v.url}api/review`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: big });
    assert.equal(r.status, 413);
    const head = await raw(v.openUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const wrong = await raw(`${v.url}api/items`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{}' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET, HEAD');
  });
});
