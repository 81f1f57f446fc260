/**
 * The OpenAI chat-completions wire format as `deepmedix serve` speaks it: reading and checking a
 * request body, and the error and response bodies.
 *
 * What the miniature model can answer is narrower than the API: one radiograph and one question.
 * A request is therefore single-turn: optional `system` messages, then one `user` message, whose
 * text parts (system texts first) joined by newlines become the prompt, and exactly one
 * `image_url` part, a `data:` URL (base64), or, only when the server names an image root, a local
 * file path under that root (`/abs/path.png` or `file:///abs/path.png`; a path outside it is
 * refused without looking at it, so a request cannot learn which files exist). Everything that cannot be honoured is refused with a 4xx error in
 * OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`) rather than silently
 * ignored (`logprobs: true` returns the chosen tokens' log-probabilities under the sampling
 * distribution softmax(logits / temperature), softmax(logits) when greedy, as `generate` defines
 * them; alternatives, `top_logprobs`, are refused); fields the model has no use for (presence_penalty, user, …) are accepted and ignored,
 * as OpenAI-compatible servers do.
 */

import { existsSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** An error that becomes an OpenAI-style JSON error reply. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly type: string = status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Where the request's image comes from. */
export type ImageSource = { kind: 'data'; mime: string; bytes: Buffer } | { kind: 'file'; path: string };

/** A checked request, in the model's terms. */
export interface CompletionRequest {
  /** The `model` field, or null when absent. */
  model: string | null;
  /** The prompt text the model is conditioned on. */
  prompt: string;
  image: ImageSource;
  /** 0 = greedy. */
  temperature: number;
  topP: number;
  /** Cap on generated tokens; null = as many as the context allows. */
  maxTokens: number | null;
  /** Choices to return (samples of the same prompt). */
  n: number;
  /** Sampling seed; null = the server picks one. */
  seed: number | null;
  /** Return each generated token's log-probability (no alternatives: top_logprobs must be 0). */
  logprobs: boolean;
}

export interface ParseLimits {
  /** Largest `n` accepted. */
  maxN: number;
  /** Directory under which local image files may be named; null: data: URLs only. */
  imageRoot: string | null;
}

/** Whether `path` (absolute) lies under `root`, also once symbolic links are followed. */
export function underRoot(path: string, root: string): boolean {
  const inside = (p: string, r: string) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep);
  const abs = resolve(path);
  const r = resolve(root);
  if (!inside(abs, r)) return false;
  if (!existsSync(abs)) return true;
  return inside(realpathSync(abs), realpathSync(r));
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function numberField(body: Json, name: string, lo: number, hi: number, fallback: number, opts: { integer?: boolean; openLow?: boolean } = {}): number {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ApiError(400, `'${name}' must be a number, got ${JSON.stringify(v)}`, 'invalid_type', name);
  if (opts.integer && !Number.isInteger(v)) throw new ApiError(400, `'${name}' must be an integer, got ${v}`, 'invalid_value', name);
  if (v > hi || v < lo || (opts.openLow && v === lo)) {
    throw new ApiError(400, `'${name}' must be ${opts.openLow ? '>' : '>='} ${lo} and <= ${hi}, got ${v}`, 'invalid_value', name);
  }
  return v;
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?((?:;[\w.+-]+=[^;,]*)*);base64,(.*)$/s;

/** Read an `image_url` part's URL into an image source. */
export function parseImageUrl(url: unknown, param: string, imageRoot: string | null): ImageSource {
  if (typeof url !== 'string' || url === '') throw new ApiError(400, `'${param}' must be a non-empty string (a data: URL or a local file path)`, 'invalid_type', param);
  if (url.startsWith('data:')) {
    const m = DATA_URL.exec(url);
    if (!m) throw new ApiError(400, `'${param}': a data: URL must be base64-encoded (data:image/png;base64,...)`, 'invalid_image_url', param);
    const b64 = m[3].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw new ApiError(400, `'${param}': the data: URL's payload is not valid base64`, 'invalid_image_url', param);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length === 0) throw new ApiError(400, `'${param}': the data: URL holds no bytes`, 'invalid_image_url', param);
    return { kind: 'data', mime: m[1] ?? 'application/octet-stream', bytes };
  }
  if (/^https?:\/\//i.test(url)) {
    throw new ApiError(400, `'${param}': this server does not fetch images over the network; send the image as a data: URL`, 'unsupported_image_url', param);
  }
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = decodeURIComponent(new URL(url).pathname);
    } catch {
      throw new ApiError(400, `'${param}': unreadable file: URL`, 'invalid_image_url', param);
    }
  }
  if (!path.startsWith('/')) throw new ApiError(400, `'${param}': expected a data: URL or an absolute local file path, got '${url.slice(0, 80)}'`, 'invalid_image_url', param);
  if (imageRoot === null) throw new ApiError(400, `'${param}': this server does not read local files; send the image as a data: URL`, 'unsupported_image_url', param);
  if (!underRoot(path, imageRoot)) throw new ApiError(400, `'${param}': this server reads local files only under its image root; send the image as a data: URL`, 'unsupported_image_url', param);
  return { kind: 'file', path: resolve(path) };
}

/** Check a chat-completions body and reduce it to what the model needs. */
export function parseChatRequest(raw: unknown, limits: ParseLimits): CompletionRequest {
  if (!isObject(raw)) throw new ApiError(400, 'the request body must be a JSON object', 'invalid_json');
  const body = raw;
  if (body.model !== undefined && typeof body.model !== 'string') throw new ApiError(400, `'model' must be a string`, 'invalid_type', 'model');
  if (body.stream === true) throw new ApiError(400, 'streaming is not supported by this server; send stream: false', 'unsupported_parameter', 'stream');
  for (const name of ['stop', 'tools', 'functions', 'response_format', 'logit_bias'] as const) {
    const v = body[name];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) {
      throw new ApiError(400, `'${name}' is not supported by this server`, 'unsupported_parameter', name);
    }
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new ApiError(400, `'messages' must be a non-empty array`, 'invalid_type', 'messages');
  const texts: string[] = [];
  const images: ImageSource[] = [];
  let users = 0;
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (!isObject(m)) throw new ApiError(400, `'${at}' must be an object`, 'invalid_type', at);
    const role = m.role;
    if (role !== 'system' && role !== 'developer' && role !== 'user') {
      const why = role === 'assistant' || role === 'tool' ? 'this model answers single-turn requests (system messages, then one user message)' : `unknown role ${JSON.stringify(role)}`;
      throw new ApiError(400, `'${at}.role': ${why}`, 'invalid_value', `${at}.role`);
    }
    if (role === 'user') users++;
    else if (users > 0) throw new ApiError(400, `'${at}': system messages must come before the user message`, 'invalid_value', `${at}.role`);
    const content = m.content;
    if (typeof content === 'string') {
      texts.push(content);
      return;
    }
    if (!Array.isArray(content)) throw new ApiError(400, `'${at}.content' must be a string or an array of content parts`, 'invalid_type', `${at}.content`);
    content.forEach((p, j) => {
      const pat = `${at}.content[${j}]`;
      if (!isObject(p)) throw new ApiError(400, `'${pat}' must be an object`, 'invalid_type', pat);
      if (p.type === 'text') {
        if (typeof p.text !== 'string') throw new ApiError(400, `'${pat}.text' must be a string`, 'invalid_type', `${pat}.text`);
        texts.push(p.text);
      } else if (p.type === 'image_url') {
        if (role !== 'user') throw new ApiError(400, `'${pat}': images belong in the user message`, 'invalid_value', pat);
        const iu = p.image_url;
        const url = typeof iu === 'string' ? iu : isObject(iu) ? iu.url : undefined;
        images.push(parseImageUrl(url, `${pat}.image_url.url`, limits.imageRoot));
      } else {
        throw new ApiError(400, `'${pat}.type' must be 'text' or 'image_url', got ${JSON.stringify(p.type)}`, 'invalid_value', `${pat}.type`);
      }
    });
  });
  if (users !== 1) throw new ApiError(400, `'messages' must hold exactly one user message (found ${users})`, 'invalid_value', 'messages');
  if (images.length === 0) throw new ApiError(400, 'the user message has no image: this model reads one chest radiograph per request (an image_url part)', 'missing_image', 'messages');
  if (images.length > 1) throw new ApiError(400, `the user message has ${images.length} images; this model reads exactly one`, 'too_many_images', 'messages');
  const maxTokensName = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = body[maxTokensName] === undefined || body[maxTokensName] === null ? null : numberField(body, maxTokensName, 1, 1e9, 1, { integer: true });
  if (body.logprobs !== undefined && body.logprobs !== null && typeof body.logprobs !== 'boolean') throw new ApiError(400, `'logprobs' must be a boolean`, 'invalid_type', 'logprobs');
  if (body.top_logprobs !== undefined && body.top_logprobs !== null && body.top_logprobs !== 0) {
    throw new ApiError(400, `'top_logprobs' is not supported by this server (only the chosen tokens' log-probabilities, logprobs: true)`, 'unsupported_parameter', 'top_logprobs');
  }
  const seedRaw = body.seed;
  const seed = seedRaw === undefined || seedRaw === null ? null : numberField(body, 'seed', -(2 ** 53), 2 ** 53, 0, { integer: true });
  return {
    model: typeof body.model === 'string' ? body.model : null,
    prompt: texts.join('\n'),
    image: images[0],
    temperature: numberField(body, 'temperature', 0, 2, 1),
    topP: numberField(body, 'top_p', 0, 1, 1, { openLow: true }),
    maxTokens,
    n: numberField(body, 'n', 1, limits.maxN, 1, { integer: true }),
    seed,
    logprobs: body.logprobs === true,
  };
}

export interface Choice {
  text: string;
  finishReason: 'stop' | 'length';
  completionTokens: number;
  /** Each generated token (EOS included) and its log-probability, when asked for. */
  logprobs?: { token: string; logprob: number }[];
}

/** The `chat.completion` reply. */
export function completionBody(o: { id: string; created: number; model: string; fingerprint: string; promptTokens: number; choices: Choice[] }): Json {
  const completion = o.choices.reduce((a, c) => a + c.completionTokens, 0);
  return {
    id: o.id,
    object: 'chat.completion',
    created: o.created,
    model: o.model,
    system_fingerprint: o.fingerprint,
    choices: o.choices.map((c, index) => ({
      index,
      message: { role: 'assistant', content: c.text },
      logprobs: c.logprobs ? { content: c.logprobs.map((t) => ({ token: t.token, logprob: t.logprob, bytes: [...Buffer.from(t.token, 'utf8')], top_logprobs: [] })) } : null,
      finish_reason: c.finishReason,
    })),
    usage: { prompt_tokens: o.promptTokens, completion_tokens: completion, total_tokens: o.promptTokens + completion },
  };
}
