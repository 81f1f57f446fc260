/**
 * The reasoning viewer's local web server (127.0.0.1 only): serves the review page, the items, the
 * study images, and appends each submitted review to a JSONL file. Responses are shown as
 * "Response 1/2" in a per-item seeded order (blind review) unless `blind` is false; in blind mode
 * no reply, errors included, names a model.
 *
 * Every request passes src/util/local-guard.ts first: its Host must be this server (no DNS
 * rebinding), a browser's Origin must be this server (no cross-site reads or writes), and it must
 * carry the viewer's token (printed with the URL at start; the page keeps it in a cookie). A review
 * must be sent as application/json (so no other page can post one as a "simple" form request).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { appendJsonl, readJsonl } from '../util/fsx.js';
import { refuseForeign } from '../util/local-guard.js';
import { Rng } from '../util/rng.js';
import type { ViewerItem } from './items.js';
import { reviewPage } from './page.js';
import { CRITERIA, PREFERENCES, validateReview, type Criterion, type ReviewRecord } from './review.js';

export interface ViewerOptions {
  items: ViewerItem[];
  /** Review JSONL appended to (created when absent). */
  reviewsPath: string;
  /** Port on 127.0.0.1 (0: any free port). */
  port?: number;
  /** Highest score on the review scale (1: yes/no; 4: a 0–4 scale). */
  scaleMax?: number;
  /** Hide model names and shuffle their order per item (default true). */
  blind?: boolean;
  /** Seed of the per-item order. */
  seed?: number;
  /** Pre-filled reviewer and group. */
  reviewer?: string;
  group?: string;
  /** The secret every request must carry (default: a random one); null: none (tests of the guard only). */
  token?: string | null;
}

export interface RunningViewer {
  server: Server;
  /** The server's base URL, http://127.0.0.1:PORT/. */
  url: string;
  /** The URL to open in a browser: the base URL with `?token=…`. */
  openUrl: string;
  token: string | null;
  close(): Promise<void>;
}

const MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif', '.bmp': 'image/bmp' };
const MAX_BODY = 1 << 20;

/** The order in which an item's responses are shown (indices into item.responses). */
export function slotOrder(item: ViewerItem, blind: boolean, seed: number): number[] {
  const idx = item.responses.map((_, i) => i);
  return blind ? Rng.derive(seed, `viewer:${item.id}`).shuffle(idx) : idx;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json; charset=utf-8', headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', ...headers });
  res.end(body);
}
const json = (res: ServerResponse, status: number, v: unknown, headers: Record<string, string> = {}) => send(res, status, JSON.stringify(v), undefined, headers);

class BodyTooLarge extends Error {}

/** The body as text; one over MAX_BODY is read to its end (so the client gets the 413) and refused. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else if (size > 64 * MAX_BODY) req.destroy();
    });
    req.on('end', () => (size > MAX_BODY ? fail(new BodyTooLarge(`the request body is larger than ${MAX_BODY} bytes`)) : ok(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', fail);
  });
}

/** Replace every model name of the item in a message with the label the page shows for it (blind review). */
function blinded(message: string, item: ViewerItem, order: number[]): string {
  const names = order.map((ri, slot) => ({ name: item.responses[ri].model, label: `Response ${slot + 1}` })).sort((a, b) => b.name.length - a.name.length);
  return names.reduce((m, n) => (n.name ? m.split(n.name).join(n.label) : m), message);
}

/**
 * Turn the page's submission (scores and choices by slot) into a review record with model names,
 * validated; throws with a message naming the bad field.
 */
export function reviewFromSubmission(body: unknown, item: ViewerItem, order: number[], scaleMax: number, now = new Date(), blind = true): ReviewRecord {
  const b = body as { reviewer?: unknown; group?: unknown; scores?: Record<string, Record<string, unknown>>; preference?: Record<string, unknown> };
  // Checked by slot, under the label the page shows, so an error never names a hidden model.
  const label = (slot: number) => (blind ? `Response ${slot + 1}` : item.responses[order[slot]].model);
  const scores: Record<string, Record<Criterion, number>> = {};
  order.forEach((respIdx, slot) => {
    const s = b?.scores?.[String(slot)];
    if (!s || typeof s !== 'object') throw new Error(`scores for ${label(slot)} are missing`);
    for (const c of CRITERIA) {
      const v = s[c];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > scaleMax) throw new Error(`scores of ${label(slot)}: '${c}' must be an integer in 0..${scaleMax}`);
    }
    scores[item.responses[respIdx].model] = Object.fromEntries(CRITERIA.map((c) => [c, s[c]])) as Record<Criterion, number>;
  });
  const rec: ReviewRecord = { itemId: item.id, reviewer: String(b?.reviewer ?? '').trim(), group: String(b?.group ?? '').trim(), time: now.toISOString(), scaleMax, scores };
  if (order.length === 2) {
    if (!b?.preference) throw new Error('the pairwise preference is missing');
    const models = order.map((i) => item.responses[i].model) as [string, string];
    const pick = (v: unknown, kind: string) => {
      if (v === 'tie') return 'tie';
      if (v === '0' || v === 0) return models[0];
      if (v === '1' || v === 1) return models[1];
      throw new Error(`preference.${kind} must be 0, 1 or 'tie'`);
    };
    rec.preference = { models, grounded: pick(b.preference.grounded, 'grounded'), overall: pick(b.preference.overall, 'overall') };
  }
  try {
    return validateReview(rec, `review of ${item.id}`);
  } catch (e) {
    throw new Error(blind ? blinded((e as Error).message, item, order) : (e as Error).message);
  }
}

/** Start the viewer; resolves once it listens. */
export function startViewer(opts: ViewerOptions): Promise<RunningViewer> {
  const blind = opts.blind ?? true;
  const seed = opts.seed ?? 7;
  const scaleMax = opts.scaleMax ?? 1;
  const orders = opts.items.map((it) => slotOrder(it, blind, seed));
  const byId = new Map(opts.items.map((it, i) => [it.id, i]));
  const clientItems = opts.items.map((it, i) => ({
    id: it.id,
    task: it.task,
    questionType: it.questionType,
    prompt: it.prompt,
    truth: it.truth,
    frame: it.frame,
    trueBoxes: it.trueBoxes,
    responses: orders[i].map((ri, slot) => {
      const r = it.responses[ri];
      return { label: blind ? `Response ${slot + 1}` : r.model, think: r.think, text: r.text, boxes: r.boxes, answer: r.answer, wellFormatted: r.wellFormatted };
    }),
  }));
  let saved = existsSync(opts.reviewsPath) ? readJsonl(opts.reviewsPath, { repairTornTail: true }).length : 0;
  const page = reviewPage();

  let port = 0;
  const token = opts.token === undefined ? randomBytes(24).toString('hex') : opts.token;
  const cookie = () => `deepmedix-viewer-${port}`;

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const refusal = refuseForeign(req, url, { port, token, cookie: cookie() });
      if (refusal) return json(res, refusal.status, { error: refusal.message });
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const isPage = url.pathname === '/' || url.pathname === '/index.html';
      const m = /^\/api\/image\/(\d+)$/.exec(url.pathname);
      const known = isPage || m || ['/api/config', '/api/items', '/api/review'].includes(url.pathname);
      if (!known) return json(res, 404, { error: 'not found' });
      const allowed = url.pathname === '/api/review' ? 'POST' : 'GET';
      if (method !== allowed) return json(res, 405, { error: `use ${allowed} for ${url.pathname}` }, { allow: allowed === 'GET' ? 'GET, HEAD' : 'POST' });
      if (isPage) {
        // The token came with the URL: keep it in a cookie only this origin's requests carry.
        const headers: Record<string, string> = token ? { 'set-cookie': `${cookie()}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
        return send(res, 200, page, 'text/html; charset=utf-8', { ...headers, 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'" });
      }
      if (url.pathname === '/api/config') {
        const reviewedBy = opts.reviewer && existsSync(opts.reviewsPath) ? readJsonl<ReviewRecord>(opts.reviewsPath, { repairTornTail: true }).filter((r) => r.reviewer === opts.reviewer).map((r) => r.itemId) : [];
        return json(res, 200, { scaleMax, blind, reviewer: opts.reviewer ?? '', group: opts.group ?? '', n: opts.items.length, criteria: CRITERIA, preferences: PREFERENCES, reviewedBy });
      }
      if (url.pathname === '/api/items') return json(res, 200, clientItems);
      if (m) {
        const it = opts.items[Number(m[1])];
        if (!it) return json(res, 404, { error: 'no such item' });
        const type = MIME[extname(it.imagePath).toLowerCase()];
        if (!type || !existsSync(it.imagePath)) return json(res, 404, { error: `image of item ${m[1]} is not available` });
        return send(res, 200, readFileSync(it.imagePath), type);
      }
      // POST /api/review
      const ctype = String(req.headers['content-type'] ?? '');
      if (!/^application\/json\s*(;|$)/i.test(ctype)) {
        req.resume();
        return json(res, 415, { error: `a review must be sent as application/json (got '${ctype || 'no content type'}')` });
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        if (e instanceof BodyTooLarge) return json(res, 413, { error: e.message }, { connection: 'close' });
        return json(res, 400, { error: `bad request body: ${(e as Error).message}` });
      }
      const i = byId.get((body as { itemId?: string })?.itemId ?? '');
      if (i === undefined) return json(res, 400, { error: 'unknown itemId' });
      let rec: ReviewRecord;
      try {
        rec = reviewFromSubmission(body, opts.items[i], orders[i], scaleMax, new Date(), blind);
      } catch (e) {
        return json(res, 400, { error: (e as Error).message });
      }
      appendJsonl(opts.reviewsPath, rec);
      saved++;
      return json(res, 200, { ok: true, saved });
    } catch (e) {
      return json(res, 500, { error: blind ? 'internal error' : (e as Error).message });
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
      const url = `http://127.0.0.1:${port}/`;
      ok({ server, url, openUrl: token ? `${url}?token=${token}` : url, token, close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
