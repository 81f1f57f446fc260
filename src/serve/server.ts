/**
 * `deepmedix serve`'s HTTP server (node:http): an OpenAI-compatible chat-completions API in front
 * of a `ModelEngine`.
 *
 *   POST /v1/chat/completions   OpenAI request/response shapes (see protocol.ts)
 *   GET  /v1/models             the one served model; GET /v1/models/NAME too
 *   GET  /health                {"status":"ok", "queued": N}
 *
 * Bound to 127.0.0.1 unless `allowRemote` is set: the model answers questions about radiographs,
 * and credentialed datasets forbid sharing them, so exposing it on a network must be deliberate.
 * Every request passes src/util/local-guard.ts: the Host must be this server (no DNS rebinding;
 * any Host once allowRemote is set), a browser's Origin must be this server (no cross-site use),
 * and, when an API key is set, it must come as `Authorization: Bearer KEY`. Images are data: URLs;
 * local file paths only under `imageRoot` when one is given.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { isLoopbackName, refuseForeign } from '../util/local-guard.js';
import { ApiError, completionBody, parseChatRequest } from './protocol.js';
import type { ModelEngine } from './engine.js';

export interface ServeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = an ephemeral port (default). */
  port?: number;
  /** Required to bind anything but a loopback address. */
  allowRemote?: boolean;
  /** Largest request body in bytes (default 32 MiB). */
  maxBodyBytes?: number;
  /** Largest `n` (default 16). */
  maxN?: number;
  /** Called after each request (method, path, status, ms); default silent. */
  log?: (line: string) => void;
  /** Directory whose image files requests may name by path (default: none, data: URLs only). */
  imageRoot?: string | null;
  /** When set, every request must send `Authorization: Bearer KEY`. */
  apiKey?: string | null;
}

export interface RunningServer {
  server: Server;
  /** e.g. http://127.0.0.1:8000/v1 — the base URL a ChatClient takes. */
  baseUrl: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** True for a loopback host name or address. */
export const isLoopbackHost = isLoopbackName;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => (over ? reject(new ApiError(413, `the request body is larger than ${limit} bytes`, 'request_too_large')) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** A %-escaped path segment, decoded; a malformed escape is a 400, not a 500. */
function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `malformed %-escape in the URL path '${segment.slice(0, 80)}'`, 'invalid_url');
  }
}

/** Build the request handler around an engine. */
export function chatHandler(engine: ModelEngine, o: { maxBodyBytes: number; maxN: number; imageRoot: string | null; log?: (line: string) => void; guard?: { port: () => number; anyHost: boolean; apiKey: string | null } }) {
  const modelCard = () => ({ id: engine.name, object: 'model', created: engine.created, owned_by: 'deepmedix' });
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = Date.now();
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    let closed = false;
    res.on('close', () => (closed = !res.writableFinished));
    try {
      if (o.guard) {
        const refusal = refuseForeign(req, new URL('http://127.0.0.1/'), { port: o.guard.port(), anyHost: o.guard.anyHost, token: o.guard.apiKey });
        if (refusal) {
          const badKey = /token/.test(refusal.message);
          throw badKey ? new ApiError(401, 'missing or wrong API key (send Authorization: Bearer KEY)', 'invalid_api_key') : new ApiError(refusal.status, refusal.message, 'forbidden');
        }
      }
      if (path === '/v1/chat/completions') {
        if (req.method !== 'POST') throw new ApiError(405, `use POST for ${path}`, 'method_not_allowed');
        const ctype = String(req.headers['content-type'] ?? '');
        if (ctype && !/^application\/json\b/i.test(ctype)) throw new ApiError(415, `the request body must be application/json, got '${ctype}'`, 'unsupported_media_type');
        const text = await readBody(req, o.maxBodyBytes);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (e) {
          throw new ApiError(400, `the request body is not valid JSON (${(e as Error).message})`, 'invalid_json');
        }
        const parsed = parseChatRequest(json, { maxN: o.maxN, imageRoot: o.imageRoot });
        if (parsed.model !== null && parsed.model !== engine.name) {
          throw new ApiError(404, `The model '${parsed.model}' does not exist; this server serves '${engine.name}'`, 'model_not_found', 'model');
        }
        const result = await engine.complete(parsed, () => closed);
        send(
          res,
          200,
          completionBody({
            id: `chatcmpl-${randomBytes(12).toString('hex')}`,
            created: Math.floor(Date.now() / 1000),
            model: engine.name,
            fingerprint: engine.fingerprint,
            promptTokens: result.promptTokens,
            choices: result.choices,
          }),
        );
      } else if (path === '/v1/models' || path.startsWith('/v1/models/')) {
        if (req.method !== 'GET') throw new ApiError(405, `use GET for ${path}`, 'method_not_allowed');
        if (path === '/v1/models') send(res, 200, { object: 'list', data: [modelCard()] });
        else if (decodePath(path.slice('/v1/models/'.length)) === engine.name) send(res, 200, modelCard());
        else throw new ApiError(404, `The model '${path.slice('/v1/models/'.length)}' does not exist`, 'model_not_found', 'model');
      } else if (path === '/health') {
        send(res, 200, { status: 'ok', model: engine.name, queued: engine.load });
      } else {
        throw new ApiError(404, `no route ${req.method} ${path} (this server has POST /v1/chat/completions, GET /v1/models, GET /health)`, 'not_found');
      }
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, `internal error: ${(e as Error)?.message ?? String(e)}`, 'internal_error');
      if (err.status === 413) res.setHeader('connection', 'close');
      send(res, err.status, err.body(), err.status === 503 ? { 'retry-after': '1' } : {});
    } finally {
      o.log?.(`${req.method} ${path} ${res.statusCode} ${Date.now() - t0} ms`);
    }
  };
}

/** Start serving `engine`; resolves once listening. */
export async function startServer(engine: ModelEngine, opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (!loopback && !opts.allowRemote) {
    throw new Error(`refusing to listen on '${host}': only loopback addresses (127.0.0.1, ::1, localhost) unless allowRemote is set (--allow-remote)`);
  }
  let port = 0;
  const guard = { port: () => port, anyHost: Boolean(opts.allowRemote && !loopback), apiKey: opts.apiKey ?? null };
  const handler = chatHandler(engine, { maxBodyBytes: opts.maxBodyBytes ?? 32 * 1024 * 1024, maxN: opts.maxN ?? 16, imageRoot: opts.imageRoot ?? null, log: opts.log, guard });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  port = addr.port;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    host: addr.address,
    port: addr.port,
    baseUrl: `http://${shown}:${addr.port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
