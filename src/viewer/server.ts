/**
 * The reasoning viewer's local web server (127.0.0.1 only): serves the review page, the items, the
 * study images, and appends each submitted review to a JSONL file. Responses are shown as
 * "Response 1/2" in a per-item seeded order (blind review) unless `blind` is false.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { appendJsonl, readJsonl } from '../util/fsx.js';
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
}

export interface RunningViewer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif', '.bmp': 'image/bmp' };
const MAX_BODY = 1 << 20;

/** The order in which an item's responses are shown (indices into item.responses). */
export function slotOrder(item: ViewerItem, blind: boolean, seed: number): number[] {
  const idx = item.responses.map((_, i) => i);
  return blind ? Rng.derive(seed, `viewer:${item.id}`).shuffle(idx) : idx;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
const json = (res: ServerResponse, status: number, v: unknown) => send(res, status, JSON.stringify(v));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/**
 * Turn the page's submission (scores and choices by slot) into a review record with model names,
 * validated; throws with a message naming the bad field.
 */
export function reviewFromSubmission(body: unknown, item: ViewerItem, order: number[], scaleMax: number, now = new Date()): ReviewRecord {
  const b = body as { reviewer?: unknown; group?: unknown; scores?: Record<string, Record<string, unknown>>; preference?: Record<string, unknown> };
  const scores: Record<string, Record<Criterion, number>> = {};
  order.forEach((respIdx, slot) => {
    const s = b?.scores?.[String(slot)];
    if (!s) throw new Error(`scores for response ${slot + 1} are missing`);
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
  return validateReview(rec, `review of ${item.id}`);
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

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) return send(res, 200, page, 'text/html; charset=utf-8');
      if (req.method === 'GET' && url.pathname === '/api/config') {
        const reviewedBy = opts.reviewer && existsSync(opts.reviewsPath) ? readJsonl<ReviewRecord>(opts.reviewsPath, { repairTornTail: true }).filter((r) => r.reviewer === opts.reviewer).map((r) => r.itemId) : [];
        return json(res, 200, { scaleMax, blind, reviewer: opts.reviewer ?? '', group: opts.group ?? '', n: opts.items.length, criteria: CRITERIA, preferences: PREFERENCES, reviewedBy });
      }
      if (req.method === 'GET' && url.pathname === '/api/items') return json(res, 200, clientItems);
      const m = /^\/api\/image\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const it = opts.items[Number(m[1])];
        if (!it) return json(res, 404, { error: 'no such item' });
        const type = MIME[extname(it.imagePath).toLowerCase()];
        if (!type || !existsSync(it.imagePath)) return json(res, 404, { error: `image not available: ${it.imagePath}` });
        return send(res, 200, readFileSync(it.imagePath), type);
      }
      if (req.method === 'POST' && url.pathname === '/api/review') {
        let body: unknown;
        try {
          body = JSON.parse(await readBody(req));
        } catch (e) {
          return json(res, 400, { error: `bad request body: ${(e as Error).message}` });
        }
        const i = byId.get((body as { itemId?: string })?.itemId ?? '');
        if (i === undefined) return json(res, 400, { error: 'unknown itemId' });
        let rec: ReviewRecord;
        try {
          rec = reviewFromSubmission(body, opts.items[i], orders[i], scaleMax);
        } catch (e) {
          return json(res, 400, { error: (e as Error).message });
        }
        appendJsonl(opts.reviewsPath, rec);
        saved++;
        return json(res, 200, { ok: true, saved });
      }
      return json(res, 404, { error: 'not found' });
    } catch (e) {
      return json(res, 500, { error: (e as Error).message });
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      ok({ server, url: `http://127.0.0.1:${port}/`, close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
