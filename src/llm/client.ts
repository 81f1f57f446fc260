/**
 * OpenAI-compatible chat-completions client (OpenAI, Azure OpenAI, vLLM, llama.cpp server, …).
 *
 * - images travel as base64 data URLs inside `image_url` content parts;
 * - base URL and model come from the config, the API key from the environment
 *   (DEEPMEDIX_API_KEY, else OPENAI_API_KEY); the key is held in a private field and is never
 *   logged, put in an error message or written to the cache;
 * - each attempt has a timeout; 408/429/5xx, network errors, timeouts and malformed replies are
 *   retried with exponential backoff (a `Retry-After` header is honoured);
 * - at most `concurrency` requests are in flight; identical concurrent requests share one call;
 * - answers go to a content-addressed JSONL cache (see cache.ts);
 * - `seed`, `top_p` and `n` are sent only when a request sets them (so requests without them, and
 *   their cache keys, are as before); with `n` > 1 every choice comes back, in index order, and a
 *   reply with fewer choices than asked for is an error (the server ignores `n`), not retried.
 *
 * Images are refused for an endpoint that is not on this machine unless `allowExternalImages` is
 * set: credentialed datasets (MIMIC-CXR and its derivatives) forbid sharing images with third
 * parties, so sending them out must be a deliberate choice.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Config } from '../config.js';
import { CompletionCache, requestKey } from './cache.js';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ChatMessage {
  role: string;
  content: string | ContentPart[];
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Default 0 (greedy). */
  temperature?: number;
  maxTokens?: number;
  /** Nucleus sampling: keep the smallest set of tokens holding this much probability, in (0, 1] (`top_p`). */
  topP?: number;
  /** Sampling seed (`seed`, an integer): a server that honours it samples reproducibly. */
  seed?: number;
  /** Choices to sample for the prompt (`n`, an integer ≥ 1); all of them come back in `texts`. */
  n?: number;
}

export interface ChatResult {
  /** The first choice's text. */
  text: string;
  /** Every choice's text in index order, when the request set `n` (absent otherwise, meaning [text]). */
  texts?: string[];
  /** True when the answer came from the cache (no request was sent). */
  cached: boolean;
}

/** All choices of a result: `texts`, or [text] when the model gave only that. */
export function choiceTexts(r: ChatResult): string[] {
  return r.texts ?? [r.text];
}

/** Anything that answers chat requests: the HTTP client, or a stand-in in tests. */
export interface ChatModel {
  chat(req: ChatRequest): Promise<ChatResult>;
}

export class ChatError extends Error {
  override name = 'ChatError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export interface ChatClientOptions {
  baseUrl: string;
  model: string;
  /** The API key; default: DEEPMEDIX_API_KEY, else OPENAI_API_KEY, else none (local servers). */
  apiKey?: string;
  timeoutMs?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  concurrency?: number;
  /** JSONL cache path; null or absent keeps answers in memory only. */
  cachePath?: string | null;
  allowExternalImages?: boolean;
  /** First backoff delay; doubles each retry. */
  backoffMs?: number;
  /** Longest single wait (backoff or Retry-After). */
  maxBackoffMs?: number;
  /** Extra headers (e.g. Azure's `api-key` scheme is handled by `authHeader`). */
  authHeader?: 'bearer' | 'api-key';
}

export interface ChatStats {
  requests: number;
  cacheHits: number;
  retries: number;
  failures: number;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** True when the endpoint's host is this machine (loopback). */
export function isLocalEndpoint(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    throw new ChatError(`synthesis.baseUrl '${baseUrl}' is not a valid URL`, null, 0);
  }
  host = host.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
}

/** Read an image file into a `data:` URL content part. */
export function imagePart(pathOrBytes: string | Uint8Array, mime?: string): ContentPart {
  const bytes = typeof pathOrBytes === 'string' ? readFileSync(pathOrBytes) : pathOrBytes;
  const type = mime ?? (typeof pathOrBytes === 'string' ? mimeFor(pathOrBytes) : 'image/png');
  return { type: 'image_url', image_url: { url: `data:${type};base64,${Buffer.from(bytes).toString('base64')}` } };
}

function mimeFor(path: string): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'image/jpeg';
  if (ext === '.webp') return 'image/webp';
  return 'image/png';
}

export function textPart(text: string): ContentPart {
  return { type: 'text', text };
}

function hasImages(messages: ChatMessage[]): boolean {
  return messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'));
}

/** Seconds or an HTTP date, as milliseconds to wait; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A counting semaphore. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never exceeds `max`.
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export class ChatClient implements ChatModel {
  readonly baseUrl: string;
  readonly model: string;
  readonly stats: ChatStats = { requests: 0, cacheHits: 0, retries: 0, failures: 0 };
  readonly cache: CompletionCache;
  #apiKey: string | undefined;
  private readonly opts: Required<Omit<ChatClientOptions, 'apiKey' | 'cachePath'>>;
  private readonly limiter: Limiter;
  private readonly inFlight = new Map<string, Promise<string[]>>();

  constructor(options: ChatClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.model = options.model;
    this.#apiKey = options.apiKey ?? process.env.DEEPMEDIX_API_KEY ?? process.env.OPENAI_API_KEY ?? undefined;
    this.opts = {
      baseUrl: this.baseUrl,
      model: this.model,
      timeoutMs: options.timeoutMs ?? 60000,
      maxRetries: options.maxRetries ?? 4,
      concurrency: Math.max(1, options.concurrency ?? 4),
      allowExternalImages: options.allowExternalImages ?? false,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30000,
      authHeader: options.authHeader ?? 'bearer',
    };
    isLocalEndpoint(this.baseUrl); // validates the URL early
    this.limiter = new Limiter(this.opts.concurrency);
    this.cache = new CompletionCache(options.cachePath ?? null);
  }

  /** True when an API key is configured (the key itself is never exposed). */
  get hasApiKey(): boolean {
    return Boolean(this.#apiKey);
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, model: this.model, hasApiKey: this.hasApiKey, stats: this.stats };
  }

  /** The request body sent to `/chat/completions` (also what the cache key hashes). */
  body(req: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.model,
      messages: req.messages,
      temperature: req.temperature ?? 0,
      max_tokens: req.maxTokens,
    };
    if (req.topP !== undefined) {
      if (!(req.topP > 0 && req.topP <= 1)) throw new ChatError(`topP must be in (0, 1], got ${req.topP}`, null, 0);
      body.top_p = req.topP;
    }
    if (req.seed !== undefined) {
      if (!Number.isSafeInteger(req.seed)) throw new ChatError(`seed must be an integer, got ${req.seed}`, null, 0);
      body.seed = req.seed;
    }
    if (req.n !== undefined) {
      if (!Number.isSafeInteger(req.n) || req.n < 1) throw new ChatError(`n must be an integer >= 1, got ${req.n}`, null, 0);
      body.n = req.n;
    }
    return body;
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    if (hasImages(req.messages) && !this.opts.allowExternalImages && !isLocalEndpoint(this.baseUrl)) {
      throw new ChatError(
        `refusing to send images to ${new URL(this.baseUrl).host}: it is not a local endpoint. Credentialed datasets ` +
          `(MIMIC-CXR and derivatives) forbid sharing images with third parties. Set synthesis.allowExternalImages=true ` +
          `only if your data's licence allows it.`,
        null,
        0,
      );
    }
    const body = this.body(req);
    const n = req.n ?? 1;
    const result = (texts: string[], cached: boolean): ChatResult => (req.n === undefined ? { text: texts[0], cached } : { text: texts[0], texts, cached });
    const key = requestKey(body);
    // One choice is cached as its text; several as the JSON array of their texts (the key tells which).
    const hit = this.cache.get(key);
    const hitTexts = hit && (n === 1 ? [hit.text] : parseTextArray(hit.text, n));
    if (hitTexts) {
      this.stats.cacheHits++;
      return result(hitTexts, true);
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.stats.cacheHits++;
      return result(await pending, true);
    }
    const p = this.limiter.run(() => this.send(body, n)).then((texts) => {
      this.cache.put(key, this.model, n === 1 ? texts[0] : JSON.stringify(texts));
      return texts;
    });
    this.inFlight.set(key, p);
    try {
      return result(await p, false);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#apiKey) {
      if (this.opts.authHeader === 'api-key') h['api-key'] = this.#apiKey;
      else h.authorization = `Bearer ${this.#apiKey}`;
    }
    return h;
  }

  /** Remove the key from any text that might echo it (a server error body, say). */
  private redact(text: string): string {
    return this.#apiKey ? text.split(this.#apiKey).join('[redacted]') : text;
  }

  private async send(body: Record<string, unknown>, n: number): Promise<string[]> {
    const url = `${this.baseUrl}/chat/completions`;
    const payload = JSON.stringify(body);
    let lastError = '';
    let lastStatus: number | null = null;
    let attempts = 0;
    for (let attempt = 0; attempt <= this.opts.maxRetries; attempt++) {
      let waitMs = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
      this.stats.requests++;
      attempts++;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
      try {
        const res = await fetch(url, { method: 'POST', headers: this.headers(), body: payload, signal: controller.signal });
        const raw = await res.text();
        lastStatus = res.status;
        if (res.ok) {
          const texts = extractChoices(raw);
          if (texts !== null && texts.length >= n) return texts.slice(0, n);
          if (texts === null) lastError = `malformed reply (${describeBody(raw)})`;
          else {
            // The same request would get the same short answer: not retried.
            lastError = `asked for n=${n} choices, the reply holds ${texts.length} (does the server support n?)`;
            break;
          }
        } else {
          lastError = `HTTP ${res.status}: ${describeBody(raw)}`;
          if (!RETRYABLE(res.status)) break;
          const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
          if (retryAfter !== null) waitMs = Math.min(this.opts.maxBackoffMs, retryAfter);
        }
      } catch (e) {
        lastStatus = null;
        lastError = controller.signal.aborted ? `timed out after ${this.opts.timeoutMs} ms` : `network error: ${(e as Error).message}`;
      } finally {
        clearTimeout(timer);
      }
      if (attempt < this.opts.maxRetries) {
        this.stats.retries++;
        await sleep(waitMs);
      } else break;
    }
    this.stats.failures++;
    throw new ChatError(this.redact(`chat request to ${url} (model ${this.model}) failed: ${lastError}`), lastStatus, attempts);
  }
}

/** A message's content as text (a string, or its text parts joined); null when there is none. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts = content.filter((p): p is { text: string } => typeof p?.text === 'string').map((p) => p.text);
    return texts.length ? texts.join('') : null;
  }
  return null;
}

/**
 * Every choice's `message.content` as text, ordered by the choices' `index` (their position when
 * absent); null when the body is not JSON, has no choices, or a choice has no readable content.
 */
export function extractChoices(raw: string): string[] | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const choices = (json as { choices?: unknown })?.choices;
  if (!Array.isArray(choices) || choices.length === 0) return null;
  const read = choices.map((c: { index?: unknown; message?: { content?: unknown } } | null, at) => ({
    order: typeof c?.index === 'number' ? c.index : at,
    text: contentText(c?.message?.content),
  }));
  if (read.some((c) => c.text === null)) return null;
  return read.sort((a, b) => a.order - b.order).map((c) => c.text!);
}

/** The first choice's content as text; null when absent or not JSON. */
export function extractContent(raw: string): string | null {
  return extractChoices(raw)?.[0] ?? null;
}

/** A cached JSON array of `n` texts; null when the entry is not one. */
function parseTextArray(text: string, n: number): string[] | null {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.length === n && v.every((t) => typeof t === 'string') ? v : null;
  } catch {
    return null;
  }
}

function describeBody(raw: string): string {
  const flat = raw.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || 'empty body';
}

/** A client from the `synthesis` section of the config. */
export function chatClientFromConfig(config: Config, cachePath: string | null): ChatClient {
  const s = config.synthesis;
  return new ChatClient({
    baseUrl: s.baseUrl,
    model: s.model,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    concurrency: s.concurrency,
    allowExternalImages: s.allowExternalImages,
    cachePath,
  });
}
