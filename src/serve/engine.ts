/**
 * The served model: a checkpoint's model and tokenizer answering checked requests with the
 * KV-cached `generate`, one generation at a time (requests wait in a FIFO queue of bounded length).
 */
import { createHash, randomInt } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { boxGrammarOf } from '../config.js';
import { CHECKPOINT_FILE, loadModel } from '../model/checkpoint.js';
import { generate } from '../model/generate.js';
import { promptIds } from '../model/sequence.js';
import { numPrefix } from '../model/spec.js';
import type { VisionLanguageModel } from '../model/vlm.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { Rng } from '../util/rng.js';
import { ApiError, type Choice, type CompletionRequest, type ImageSource } from './protocol.js';

/**
 * Decode image bytes as `loadImagePixels` (src/data/images.ts) decodes a file: greyscale, resized
 * to size×size over the whole frame, row-major floats in [0, 1].
 */
export async function decodeImagePixels(bytes: Buffer, size: number, what = 'image'): Promise<Float32Array> {
  let raw: Buffer;
  try {
    raw = await sharp(bytes).greyscale().resize(size, size, { fit: 'fill' }).removeAlpha().extractChannel(0).raw().toBuffer();
  } catch (e) {
    throw new ApiError(400, `${what} cannot be decoded as an image (${(e as Error).message})`, 'invalid_image', 'messages');
  }
  if (raw.length !== size * size) throw new ApiError(400, `${what}: decoded ${raw.length} bytes, expected ${size * size}`, 'invalid_image', 'messages');
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = raw[i] / 255;
  return out;
}

/** The bytes of an image source; a missing file is a 400 naming it. */
export function imageBytes(src: ImageSource): { bytes: Buffer; what: string } {
  if (src.kind === 'data') return { bytes: src.bytes, what: `the data: URL image (${src.mime})` };
  if (!existsSync(src.path) || !statSync(src.path).isFile()) throw new ApiError(400, `image not found: ${src.path}`, 'image_not_found', 'messages');
  return { bytes: readFileSync(src.path), what: `image ${src.path}` };
}

export interface CompletionResult {
  promptTokens: number;
  choices: Choice[];
}

export interface EngineOptions {
  /** Name in /v1/models and replies (default: the checkpoint directory's base name). */
  name: string;
  /** Requests allowed to wait behind the running one; more get 503 (default 64). */
  maxQueue?: number;
  /** Box-grammar decoding (default: what the checkpoint's config says, see `boxGrammarOf`). */
  boxGrammar?: boolean;
}

/** A checkpoint ready to answer requests, one at a time. */
export class ModelEngine {
  readonly name: string;
  /** A short hash of the checkpoint file: replies carry it as `system_fingerprint`. */
  readonly fingerprint: string;
  readonly created: number;
  readonly maxQueue: number;
  readonly boxGrammar: boolean;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private running = false;
  /** Generations run so far. */
  generations = 0;
  /** Most requests ever waiting behind the running one (shows that requests queued). */
  peakQueued = 0;

  constructor(
    readonly model: VisionLanguageModel,
    readonly tokenizer: Tokenizer,
    opts: EngineOptions & { fingerprint?: string },
  ) {
    this.name = opts.name;
    this.fingerprint = opts.fingerprint ?? 'fp_unknown';
    this.maxQueue = opts.maxQueue ?? 64;
    this.boxGrammar = opts.boxGrammar ?? false;
    this.created = Math.floor(Date.now() / 1000);
  }

  /** Load `dir/checkpoint.bin`; the fingerprint hashes that file. */
  static fromCheckpoint(dir: string, opts: Partial<EngineOptions> = {}): ModelEngine {
    const { model, tokenizer, checkpoint } = loadModel(dir);
    const hash = createHash('sha256').update(readFileSync(join(dir, CHECKPOINT_FILE))).digest('hex').slice(0, 12);
    const name = opts.name ?? (dir.replace(/\/+$/, '').split('/').pop() || 'deepmedix');
    return new ModelEngine(model, tokenizer, { boxGrammar: boxGrammarOf(checkpoint.header.config), ...opts, name, fingerprint: `fp_${hash}` });
  }

  /** Requests waiting or running. */
  get load(): number {
    return this.waiting + (this.running ? 1 : 0);
  }

  /** The most bytes of text one token stands for (an upper bound), so an oversized prompt is refused before it is tokenized. */
  private get maxTokenBytes(): number {
    if (this.tokenBytes === 0) {
      let most = 32;
      for (let id = 0; id < this.tokenizer.vocabSize; id++) most = Math.max(most, Buffer.byteLength(this.tokenizer.tokenText(id)));
      this.tokenBytes = most;
    }
    return this.tokenBytes;
  }
  private tokenBytes = 0;

  /** The prompt ids the model is conditioned on; a 400 when they leave no room to write. */
  promptIds(prompt: string): number[] {
    const maxLen = this.model.spec.maxLen;
    // Tokenizing megabytes would hold the event loop (and /health) for seconds: a prompt longer
    // than maxLen tokens of the longest token cannot fit, whatever it holds.
    const bytes = Buffer.byteLength(prompt);
    if (bytes > maxLen * this.maxTokenBytes) {
      throw new ApiError(400, `This model's maximum context length is ${maxLen} text tokens; your prompt of ${bytes} bytes cannot fit. Please shorten the prompt.`, 'context_length_exceeded', 'messages');
    }
    const ids = promptIds(this.tokenizer, prompt);
    if (ids.length >= maxLen) {
      throw new ApiError(
        400,
        `This model's maximum context length is ${maxLen} text tokens. However, your prompt takes ${ids.length} tokens, leaving no room for the reply. Please shorten the prompt.`,
        'context_length_exceeded',
        'messages',
      );
    }
    return ids;
  }

  /**
   * Answer one checked request. The prompt is checked and the request takes its place in the
   * queue at once (a full queue is a 503); the image is decoded while earlier requests run, and
   * the generation waits for its turn. `cancelled()` is asked when the turn comes, so a request
   * whose client has gone is not generated.
   */
  async complete(req: CompletionRequest, cancelled: () => boolean = () => false): Promise<CompletionResult> {
    const ids = this.promptIds(req.prompt);
    const { bytes, what } = imageBytes(req.image);
    if (this.waiting >= this.maxQueue) {
      throw new ApiError(503, `the server is busy (${this.waiting} requests queued); retry later`, 'server_busy', null, 'server_error');
    }
    this.waiting++;
    this.peakQueued = Math.max(this.peakQueued, this.waiting);
    let queued = true;
    const dequeue = () => {
      if (queued) this.waiting--;
      queued = false;
    };
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      const pixels = await decodeImagePixels(bytes, this.model.spec.imageSize, what);
      await previous;
      dequeue();
      if (cancelled()) throw new ApiError(499, 'the client closed the request', 'client_closed');
      this.running = true;
      try {
        return this.run(ids, pixels, req);
      } finally {
        this.running = false;
      }
    } finally {
      dequeue();
      // The next request's turn comes only after the previous one's, whatever happened here.
      void previous.then(release);
    }
  }

  private run(ids: number[], pixels: Float32Array, req: CompletionRequest): CompletionResult {
    const room = this.model.spec.maxLen - ids.length;
    const gens = generate(this.model, this.tokenizer, [{ pixels, prompt: ids }], {
      maxNewTokens: Math.min(room, req.maxTokens ?? room),
      temperature: req.temperature,
      topP: req.topP,
      samplesPerPrompt: req.n,
      rng: new Rng(`seed:${req.seed ?? randomInt(1, 2 ** 47)}`),
      boxGrammar: this.boxGrammar,
    });
    this.generations++;
    return {
      // The image enters the decoder as numPrefix(spec) prefix tokens: counted as prompt tokens.
      promptTokens: numPrefix(this.model.spec) + ids.length,
      choices: gens.map((g) => ({
        text: g.text,
        finishReason: g.stopped ? 'stop' : 'length',
        completionTokens: g.tokens.length,
        logprobs: req.logprobs ? g.tokens.map((id, j) => ({ token: this.tokenizer.tokenText(id), logprob: g.logProbs[j] })) : undefined,
      })),
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
