/**
 * The request checks a local web app (the reviewer viewer, `deepmedix serve`) makes before it
 * answers, as Jupyter does for its server:
 *
 * - Host: the request must name this server as the browser reached it — a loopback name
 *   (127.0.0.1 and the rest of 127/8, localhost, [::1]) with the port it listens on. A page of
 *   another site that re-points its own name at 127.0.0.1 (DNS rebinding) sends its own name as
 *   Host and is refused.
 * - Origin: a browser names the page that made a request; one from any origin but this server's own
 *   is refused (cross-site writes and reads). Clients that are not browsers send no Origin.
 * - Token (when the app has one): a secret printed when the server starts, shown by the client as
 *   `?token=`, a cookie set from it, `Authorization: token|Bearer T` or `X-DeepMedix-Token: T`;
 *   other local users and processes cannot guess it.
 *
 * What these do not cover: someone who can read the token (the terminal, the process list of a
 * command line that holds it) or this user's own processes; traffic is plain HTTP (loopback only).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** True for a loopback host name or address (brackets around IPv6 allowed). */
export function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1';
}

/** Split a Host header into name and port (null when it is not `name[:port]`). */
export function parseHostHeader(value: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  return { name: m[1], port: m[2] === undefined ? null : Number(m[2]) };
}

export interface LocalGuardOptions {
  /** The port the server listens on. */
  port: number;
  /** Accept any Host (a server deliberately exposed on a network). */
  anyHost?: boolean;
  /** The secret every request must carry; null/absent: no token. */
  token?: string | null;
  /** Name of the cookie that carries the token (per app and port). */
  cookie?: string;
}

export interface Refusal {
  status: 403;
  message: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request carries (query, cookie, Authorization or X-DeepMedix-Token), if any. */
export function requestToken(req: IncomingMessage, url: URL, cookie?: string): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const h = req.headers['x-deepmedix-token'];
  if (typeof h === 'string' && h) return h;
  const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
  if (auth) return auth[1];
  if (cookie) {
    for (const part of String(req.headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === cookie) return decodeURIComponent(v.join('='));
    }
  }
  return null;
}

/** Whether an Origin header names this server itself (http, a loopback name, its port). */
export function sameOrigin(origin: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && isLoopbackName(u.hostname) && Number(u.port || 80) === port;
}

/** Check Host, Origin and the token; null when the request may be answered. */
export function refuseForeign(req: IncomingMessage, url: URL, o: LocalGuardOptions): Refusal | null {
  const host = parseHostHeader(String(req.headers.host ?? ''));
  if (!o.anyHost && (!host || !isLoopbackName(host.name) || (host.port ?? 80) !== o.port)) {
    return { status: 403, message: `refused: Host '${String(req.headers.host ?? '')}' is not this server (use http://127.0.0.1:${o.port}/)` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !(typeof origin === 'string' && sameOrigin(origin, o.port))) {
    return { status: 403, message: `refused: a request from the page at origin '${String(origin)}' (cross-site requests are not allowed)` };
  }
  if (o.token) {
    const t = requestToken(req, url, o.cookie);
    if (!t || !sameSecret(t, o.token)) return { status: 403, message: 'refused: missing or wrong token (open the URL with ?token=… that the server printed when it started)' };
  }
  return null;
}
