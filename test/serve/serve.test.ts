/**
 * `deepmedix serve` on an ephemeral 127.0.0.1 port with a tiny checkpoint built here, called
 * through the workbench's chat client (and raw fetch for whole replies, logprobs and malformed bodies):
 * reply shapes and token counts, agreement with the checkpoint's own generate(), seeded sampling
 * (seed, top_p and n as the client sends them),
 * error codes, the queue, and `predict --endpoint` end to end with resume.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.js';
import { main } from '../../src/cli.js';
import { command as predictCommand } from '../../src/commands/predict.js';
import { command as serveCommand } from '../../src/commands/serve.js';
import { loadImagePixels } from '../../src/data/images.js';
import { generate, loadModel, promptIds } from '../../src/model/index.js';
import { numPrefix } from '../../src/model/spec.js';
import { ChatClient, ChatError, imagePart, textPart } from '../../src/llm/client.js';
import { ModelEngine } from '../../src/serve/engine.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { ApiError, type CompletionRequest } from '../../src/serve/protocol.js';
import { predictRecords } from '../../src/eval/predict.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';
import { Rng } from '../../src/util/rng.js';
import { tinyBenchmark, tinyCheckpoint } from './fixtures.js';

describe('serve: OpenAI-compatible chat completions over a checkpoint', function () {
  this.timeout(60000);
  let dir: string;
  let ckDir: string;
  let engine: ModelEngine;
  let srv: RunningServer;
  let bench: Awaited<ReturnType<typeof tinyBenchmark>>;
  const image = (i: number) => join(bench.root, `images/s${i}.png`);
  const client = (extra: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}) =>
    new ChatClient({ baseUrl: srv.baseUrl, model: 'tiny', apiKey: '', maxRetries: 0, timeoutMs: 30000, ...extra });
  const userMsg = (img: string, text: string) => [{ role: 'user', content: [imagePart(img), textPart(text)] }];
  const post = async (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const res = await fetch(`${srv.baseUrl}/chat/completions`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, headers: res.headers, json: (await res.json()) as any };
  };

  before(async () => {
    await initBackend({ log: null });
    dir = mkdtempSync(join(tmpdir(), 'dmx-serve-ck-'));
    ckDir = tinyCheckpoint(join(dir, 'tiny'));
    bench = await tinyBenchmark(3);
    engine = ModelEngine.fromCheckpoint(ckDir);
    srv = await startServer(engine, { port: 0, imageRoot: bench.root });
  });
  after(async () => {
    await srv?.close();
    engine?.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(bench.root, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 and lists the model under the checkpoint directory name', async () => {
    assert.equal(srv.host, '127.0.0.1');
    assert.match(srv.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const list = (await (await fetch(`${srv.baseUrl}/models`)).json()) as any;
    assert.equal(list.object, 'list');
    assert.deepEqual(list.data.map((m: any) => [m.id, m.object, m.owned_by]), [['tiny', 'model', 'deepmedix']]);
    assert.equal(((await (await fetch(`${srv.baseUrl}/models/tiny`)).json()) as any).id, 'tiny');
    assert.equal((await fetch(`${srv.baseUrl}/models/other`)).status, 404);
  });

  it('refuses a non-loopback address unless allowed', async () => {
    await assert.rejects(startServer(engine, { host: '0.0.0.0' }), /refusing to listen on '0\.0\.0\.0'/);
    await assert.rejects(serveCommand.run(['--checkpoint', ckDir, '--host', '0.0.0.0']), { name: 'UsageError', message: /not a loopback address; add --allow-remote/ });
  });

  it('greedy replies match the checkpoint\'s own generate() on the file-decoded image, with OpenAI shapes and token counts', async () => {
    const { model, tokenizer } = loadModel(ckDir);
    const prompt = 'Is there a pleural effusion?';
    const ids = promptIds(tokenizer, prompt);
    assert.equal(engine.boxGrammar, true, "the checkpoint's config asks for box-grammar decoding (the default)");
    const [want] = generate(model, tokenizer, [{ pixels: await loadImagePixels(image(0), 32), prompt: ids }], { maxNewTokens: 40, boxGrammar: engine.boxGrammar });
    model.dispose();
    // Through the workbench's client.
    assert.equal((await client().chat({ messages: userMsg(image(0), prompt), temperature: 0 })).text, want.text);
    // The whole reply.
    const r = await post({ model: 'tiny', messages: userMsg(image(0), prompt), temperature: 0 });
    assert.equal(r.status, 200);
    const b = r.json;
    assert.match(b.id, /^chatcmpl-[0-9a-f]{24}$/);
    assert.equal(b.object, 'chat.completion');
    assert.equal(b.model, 'tiny');
    assert.match(b.system_fingerprint, /^fp_[0-9a-f]{12}$/);
    assert.ok(Math.abs(b.created - Date.now() / 1000) < 60);
    assert.equal(b.choices.length, 1);
    assert.deepEqual(b.choices[0].message, { role: 'assistant', content: want.text });
    assert.equal(b.choices[0].index, 0);
    assert.equal(b.choices[0].finish_reason, want.stopped ? 'stop' : 'length');
    // prompt tokens: 4 image prefix tokens ((32/8/2)^2) + BOS + prompt + ASSISTANT.
    assert.equal(numPrefix(engine.model.spec), 4);
    assert.deepEqual(b.usage, { prompt_tokens: 4 + ids.length, completion_tokens: want.tokens.length, total_tokens: 4 + ids.length + want.tokens.length });
    // System text goes before the user text; a file path image decodes like the data: URL.
    const viaPath = await post({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image(0) } }, { type: 'text', text: prompt }] }], temperature: 0 });
    assert.equal(viaPath.json.choices[0].message.content, want.text);
    const viaFileUrl = await post({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `file://${image(0)}` } }, { type: 'text', text: prompt }] }], temperature: 0 });
    assert.equal(viaFileUrl.json.choices[0].message.content, want.text);
  });

  it('max_tokens caps the reply (finish_reason length) and n gives n choices', async () => {
    const prompt = 'Describe the findings.';
    const ids = promptIds(engine.tokenizer, prompt);
    const [want] = generate(engine.model, engine.tokenizer, [{ pixels: await loadImagePixels(image(1), 32), prompt: ids }], { maxNewTokens: 3, boxGrammar: engine.boxGrammar });
    assert.equal(want.stopped, false, 'fixture: the greedy reply is longer than 3 tokens');
    const r = await post({ messages: userMsg(image(1), prompt), temperature: 0, max_tokens: 3, n: 2 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.choices.map((c: any) => [c.index, c.message.content, c.finish_reason]), [[0, want.text, 'length'], [1, want.text, 'length']]);
    assert.equal(r.json.usage.completion_tokens, 6);
    // max_completion_tokens is read the same way.
    const r2 = await post({ messages: userMsg(image(1), prompt), temperature: 0, max_completion_tokens: 3 });
    assert.equal(r2.json.choices[0].message.content, want.text);
  });

  it('logprobs: true returns each generated token with the log-probability generate() gives it', async () => {
    const prompt = 'Which side is opaque?';
    const ids = promptIds(engine.tokenizer, prompt);
    const [want] = generate(engine.model, engine.tokenizer, [{ pixels: await loadImagePixels(image(2), 32), prompt: ids }], { maxNewTokens: 6, temperature: 0.7, rng: new Rng('seed:11'), boxGrammar: engine.boxGrammar });
    const r = await post({ messages: userMsg(image(2), prompt), temperature: 0.7, max_tokens: 6, seed: 11, logprobs: true });
    assert.equal(r.status, 200);
    const content = r.json.choices[0].logprobs.content;
    assert.equal(r.json.choices[0].message.content, want.text);
    assert.deepEqual(content.map((t: any) => t.token), want.tokens.map((id) => engine.tokenizer.tokenText(id)));
    content.forEach((t: any, j: number) => {
      assert.ok(Math.abs(t.logprob - want.logProbs[j]) < 1e-6, `token ${j}: ${t.logprob} vs ${want.logProbs[j]}`);
      assert.ok(t.logprob <= 0);
      assert.deepEqual(t.bytes, [...Buffer.from(t.token)]);
      assert.deepEqual(t.top_logprobs, []);
    });
    assert.equal((await post({ messages: userMsg(image(2), prompt) })).json.choices[0].logprobs, null);
    const refused = await post({ messages: userMsg(image(2), prompt), logprobs: true, top_logprobs: 2 });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.param, 'top_logprobs');
  });

  it('a seed makes sampling reproducible; different seeds differ', async () => {
    const body = (seed: number) => ({ messages: userMsg(image(2), 'Which side is opaque?'), temperature: 1.2, top_p: 0.95, n: 3, seed });
    const texts = async (seed: number) => (await post(body(seed))).json.choices.map((c: any) => c.message.content) as string[];
    const a = await texts(7);
    const b = await texts(7);
    const c = await texts(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(new Set(a).size > 1, `the 3 samples of one request differ: ${JSON.stringify(a)}`);
  });

  it('seed, top_p and n sent by the chat client reach the sampler: the n choices are generate()\'s with that seed', async () => {
    const prompt = 'Which side is opaque?';
    const ids = promptIds(engine.tokenizer, prompt);
    const pixels = await loadImagePixels(image(2), 32);
    const sample = (o: { temperature: number; topP: number; n: number; seed: number }) =>
      generate(engine.model, engine.tokenizer, [{ pixels, prompt: ids }], { maxNewTokens: 8, temperature: o.temperature, topP: o.topP, samplesPerPrompt: o.n, rng: new Rng(`seed:${o.seed}`), boxGrammar: engine.boxGrammar }).map((g) => g.text);
    const ask = { messages: userMsg(image(2), prompt), maxTokens: 8, temperature: 1.2, topP: 0.9, n: 3, seed: 7 };
    const got = await client().chat(ask);
    assert.deepEqual(got.texts, sample({ temperature: 1.2, topP: 0.9, n: 3, seed: 7 }));
    assert.equal(got.text, got.texts![0]);
    assert.ok(new Set(got.texts).size > 1, `the 3 samples differ: ${JSON.stringify(got.texts)}`);
    // Another client (no shared cache) with the same seed gets the same choices; another seed does not.
    assert.deepEqual((await client().chat(ask)).texts, got.texts);
    assert.notDeepEqual((await client().chat({ ...ask, seed: 8 })).texts, got.texts);
    // top_p near 0 keeps only the most likely token: every sample is the greedy reply, whatever the temperature.
    const [greedy] = sample({ temperature: 0, topP: 1, n: 1, seed: 0 });
    assert.deepEqual((await client().chat({ ...ask, temperature: 1.5, topP: 1e-9 })).texts, [greedy, greedy, greedy]);
    // n beyond the server's limit (16) is a 400 naming the parameter, not retried.
    await assert.rejects(client().chat({ ...ask, n: 17 }), (e: unknown) => e instanceof ChatError && e.status === 400 && /'n' must be >= 1 and <= 16, got 17/.test(e.message));
  });

  it('answers malformed requests with OpenAI-style errors and proper status codes', async () => {
    const ok = userMsg(image(0), 'Describe the findings.');
    const cases: [string, unknown, number, string, string | null][] = [
      ['not JSON', '{"messages": [', 400, 'invalid_json', null],
      ['not an object', '[1,2]', 400, 'invalid_json', null],
      ['no messages', { model: 'tiny' }, 400, 'invalid_type', 'messages'],
      ['no image', { messages: [{ role: 'user', content: 'Describe the findings.' }] }, 400, 'missing_image', 'messages'],
      ['two images', { messages: [{ role: 'user', content: [...(ok[0].content as object[]), imagePart(image(1))] }] }, 400, 'too_many_images', 'messages'],
      ['image file missing', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: join(bench.root, 'nope.png') } }] }] }, 400, 'image_not_found', 'messages'],
      ['bad base64', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@' } }] }] }, 400, 'invalid_image_url', 'messages[0].content[0].image_url.url'],
      ['not an image', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('hello world').toString('base64')}` } }] }] }, 400, 'invalid_image', 'messages'],
      ['http image', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.org/x.png' } }] }] }, 400, 'unsupported_image_url', 'messages[0].content[0].image_url.url'],
      ['prompt too long', { messages: userMsg(image(0), 'Describe the findings. '.repeat(20)) }, 400, 'context_length_exceeded', 'messages'],
      ['multi-turn', { messages: [...ok, { role: 'assistant', content: 'x' }] }, 400, 'invalid_value', 'messages[1].role'],
      ['temperature out of range', { messages: ok, temperature: 5 }, 400, 'invalid_value', 'temperature'],
      ['top_p 0', { messages: ok, top_p: 0 }, 400, 'invalid_value', 'top_p'],
      ['max_tokens 0', { messages: ok, max_tokens: 0 }, 400, 'invalid_value', 'max_tokens'],
      ['n too large', { messages: ok, n: 17 }, 400, 'invalid_value', 'n'],
      ['seed not integer', { messages: ok, seed: 1.5 }, 400, 'invalid_value', 'seed'],
      ['stream', { messages: ok, stream: true }, 400, 'unsupported_parameter', 'stream'],
      ['unknown model', { model: 'gpt-4o', messages: ok }, 404, 'model_not_found', 'model'],
    ];
    for (const [label, body, status, code, param] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, `${label}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, code, label);
      assert.equal(r.json.error.param, param, label);
      assert.equal(r.json.error.type, 'invalid_request_error', label);
      assert.equal(typeof r.json.error.message, 'string', label);
    }
    assert.equal((await fetch(`${srv.baseUrl}/chat/completions`)).status, 405);
    assert.equal((await fetch(`${srv.baseUrl}/completions`, { method: 'POST', body: '{}' })).status, 404);
    assert.equal((await post({ messages: ok }, { 'content-type': 'text/plain' })).status, 415);
    // The client gives up at once on a 400 and reports it.
    await assert.rejects(client({ maxRetries: 3 }).chat({ messages: [{ role: 'user', content: 'no image' }] }), (e: unknown) => {
      assert.ok(e instanceof ChatError);
      assert.equal(e.status, 400);
      assert.equal(e.attempts, 1);
      assert.match(e.message, /missing_image/);
      return true;
    });
  });

  it('rejects a body over the size limit with 413, and a full queue with 503 + Retry-After', async () => {
    const small = await startServer(engine, { maxBodyBytes: 1000 });
    try {
      const r = await fetch(`${small.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: userMsg(image(0), 'x') }) });
      assert.equal(r.status, 413);
      assert.equal(((await r.json()) as any).error.code, 'request_too_large');
    } finally {
      await small.close();
    }
    const busyEngine = new ModelEngine(engine.model, engine.tokenizer, { name: 'tiny', maxQueue: 0 });
    const busy = await startServer(busyEngine);
    try {
      const r = await fetch(`${busy.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: userMsg(image(0), 'x') }) });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(((await r.json()) as any).error.type, 'server_error');
    } finally {
      await busy.close();
    }
  });

  it('queues concurrent requests, one generation at a time, with the same answers as one by one', async () => {
    const prompts = ['Describe the findings.', 'Write the impression.', 'Which side is opaque?', 'Is there a pleural effusion?', 'Describe the findings.'];
    const c = client({ concurrency: 5 });
    const one = [];
    for (let i = 0; i < prompts.length; i++) one.push((await c.chat({ messages: userMsg(image(i % 3), prompts[i]), maxTokens: 12 + i })).text);
    const before = engine.generations;
    const together = await Promise.all(prompts.map((p, i) => client({ concurrency: 5 }).chat({ messages: userMsg(image(i % 3), p), maxTokens: 12 + i })));
    assert.deepEqual(together.map((t) => t.text), one);
    assert.equal(engine.generations - before, prompts.length);
  });

  it('the engine takes requests in arrival order, one generation at a time, and refuses beyond its queue', async () => {
    const e2 = new ModelEngine(engine.model, engine.tokenizer, { name: 'tiny', maxQueue: 3 });
    const req = (prompt: string): CompletionRequest => ({ model: null, prompt, image: { kind: 'file', path: image(0) }, temperature: 0, topP: 1, maxTokens: 5, n: 1, seed: null, logprobs: false });
    const finished: number[] = [];
    const pending = ['Describe the findings.', 'Write the impression.', 'Which side is opaque?'].map((p, i) => e2.complete(req(p)).then(() => finished.push(i)));
    assert.equal(e2.load, 3);
    await assert.rejects(e2.complete(req('Describe the findings.')), (e: unknown) => e instanceof ApiError && e.status === 503 && e.code === 'server_busy');
    assert.equal(e2.peakQueued, 3);
    await Promise.all(pending);
    assert.deepEqual(finished, [0, 1, 2]);
    assert.equal(e2.generations, 3);
    assert.equal(e2.load, 0);
    // A request whose client has gone is not generated.
    await assert.rejects(e2.complete(req('x'), () => true), (e: unknown) => e instanceof ApiError && e.status === 499);
    assert.equal(e2.generations, 3);
    // A request that fails (missing image) leaves the queue usable.
    await assert.rejects(e2.complete({ ...req('x'), image: { kind: 'file', path: '/nonexistent/x.png' } }), /image not found/);
    await e2.complete(req('x'));
    assert.equal(e2.load, 0);
  });

  it('predict --endpoint writes {"id","text"} JSONL equal to predict --checkpoint, and resumes', async () => {
    const out = join(dir, 'pred.jsonl');
    const { model, tokenizer } = loadModel(ckDir);
    const direct = await predictRecords(model, tokenizer, bench.records, { imageRoot: bench.root, batchSize: 1, quiet: true, boxGrammar: true });
    model.dispose();
    const argv = ['predict', '--endpoint', srv.baseUrl.replace(/\/v1$/, ''), '--benchmark', bench.file, '--out', out, '--quiet', '--concurrency', '3'];
    let before = engine.generations;
    assert.equal(await main(argv), 0); // --model taken from GET /v1/models
    assert.equal(engine.generations - before, bench.records.length);
    const rows = () => readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows(), direct);
    assert.deepEqual(Object.keys(rows()[0]), ['id', 'text']);
    // Cut the file to two rows plus a torn line, as a killed run leaves it: a rerun asks only for the rest.
    const lines = readFileSync(out, 'utf8').split('\n');
    writeFileSync(out, lines.slice(0, 2).join('\n') + '\n');
    appendFileSync(out, '{"id": "s1-v');
    before = engine.generations;
    assert.equal(await main([...argv, '--model', 'tiny']), 0);
    assert.equal(engine.generations - before, bench.records.length - 2);
    assert.deepEqual(rows(), direct);
    // Nothing left to do: no requests.
    before = engine.generations;
    assert.equal(await main(argv), 0);
    assert.equal(engine.generations, before);
    // A wrong model name fails, naming the record, and keeps what was written.
    assert.equal(await main(['predict', '--endpoint', srv.baseUrl, '--model', 'nope', '--benchmark', bench.file, '--out', join(dir, 'p2.jsonl'), '--quiet']).catch((e: Error) => {
      assert.match(e.message, /record s0-vqa: .*HTTP 404.*model_not_found/s);
      return 'threw';
    }), 'threw');
    // --checkpoint together with --endpoint is a usage error.
    await assert.rejects(predictCommand.run([...argv.slice(1), '--checkpoint', ckDir]), { name: 'UsageError', message: /either --checkpoint or --endpoint/ });
  });

  it('`deepmedix serve` prints its URL and answers there', async function () {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli.ts'), 'serve', '--checkpoint', ckDir, '--port', '0', '--quiet'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        let err = '';
        child.stdout.on('data', (c) => {
          text += c;
          const m = /serving tiny \(fp_[0-9a-f]{12}\) at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(text);
          if (m) resolve(m[1]);
        });
        child.stderr.on('data', (c) => (err += c));
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const c = new ChatClient({ baseUrl: url, model: 'tiny', apiKey: '', maxRetries: 0 });
      const got = await c.chat({ messages: userMsg(image(0), 'Is there a pleural effusion?') });
      const want = await client().chat({ messages: userMsg(image(0), 'Is there a pleural effusion?') });
      assert.equal(got.text, want.text);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
