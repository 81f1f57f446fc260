/** The request checks of protocol.ts, without a model: what a request becomes, and what is refused. */
import assert from 'node:assert/strict';
import { ApiError, completionBody, parseChatRequest, parseImageUrl } from '../../src/serve/protocol.js';

const limits = { maxN: 4, imageRoot: '/tmp' };
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const dataUrl = `data:image/png;base64,${png.toString('base64')}`;

describe('serve/protocol', () => {
  it('reduces a request to prompt (system texts first), image and sampling settings, with OpenAI defaults', () => {
    const r = parseChatRequest(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Is there' }, { type: 'image_url', image_url: { url: dataUrl, detail: 'high' } }, { type: 'text', text: 'an effusion?' }] },
        ],
        presence_penalty: 0.5,
        user: 'someone',
      },
      limits,
    );
    assert.equal(r.prompt, 'Be brief.\nIs there\nan effusion?');
    assert.deepEqual(r.image, { kind: 'data', mime: 'image/png', bytes: png });
    assert.deepEqual([r.model, r.temperature, r.topP, r.maxTokens, r.n, r.seed], ['m', 1, 1, null, 1, null]);
    const s = parseChatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: dataUrl }] }], temperature: 0, top_p: 0.5, max_tokens: 7, n: 4, seed: -3 }, limits);
    assert.deepEqual([s.model, s.prompt, s.temperature, s.topP, s.maxTokens, s.n, s.seed, s.logprobs], [null, '', 0, 0.5, 7, 4, -3, false]);
  });

  it('reads data: URLs with parameters and padding, file paths and file: URLs', () => {
    assert.deepEqual(parseImageUrl(`data:image/jpeg;name=a.jpg;base64,${png.toString('base64')}`, 'u', null), { kind: 'data', mime: 'image/jpeg', bytes: png });
    assert.deepEqual(parseImageUrl('data:;base64,aGk=', 'u', null), { kind: 'data', mime: 'application/octet-stream', bytes: Buffer.from('hi') });
    assert.deepEqual(parseImageUrl('/tmp/x y.png', 'u', '/tmp'), { kind: 'file', path: '/tmp/x y.png' });
    assert.deepEqual(parseImageUrl('file:///tmp/x%20y.png', 'u', '/tmp'), { kind: 'file', path: '/tmp/x y.png' });
  });

  const refused: [string, unknown, number, string][] = [
    ['relative path', 'images/x.png', 400, 'invalid_image_url'],
    ['file path when files are off', '/tmp/x.png', 400, 'unsupported_image_url'],
    ['http URL', 'http://host/x.png', 400, 'unsupported_image_url'],
    ['file path outside the image root', '/etc/passwd', 400, 'unsupported_image_url'],
    ['path climbing out of the image root', '/tmp/../etc/passwd', 400, 'unsupported_image_url'],
    ['data URL without base64', 'data:image/png,abc', 400, 'invalid_image_url'],
    ['empty data URL', 'data:image/png;base64,', 400, 'invalid_image_url'],
    ['not a string', 42, 400, 'invalid_type'],
  ];
  for (const [label, url, status, code] of refused) {
    it(`refuses an image URL: ${label}`, () => {
      assert.throws(() => parseImageUrl(url, 'p', label !== 'file path when files are off' ? '/tmp' : null), (e: unknown) => e instanceof ApiError && e.status === status && e.code === code && e.param === 'p');
    });
  }

  it('refuses what the model cannot honour, naming the field', () => {
    const img = { type: 'image_url', image_url: { url: dataUrl } };
    const cases: [unknown, string, string | null][] = [
      [{ messages: [{ role: 'user', content: [img] }, { role: 'user', content: 'again' }] }, 'invalid_value', 'messages'],
      [{ messages: [{ role: 'user', content: [img] }, { role: 'system', content: 'late' }] }, 'invalid_value', 'messages[1].role'],
      [{ messages: [{ role: 'system', content: [img] }, { role: 'user', content: 'q' }] }, 'invalid_value', 'messages[0].content[0]'],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }, 'invalid_value', 'messages[0].content[0].type'],
      [{ messages: [{ role: 'user', content: [img] }], stop: ['\n'] }, 'unsupported_parameter', 'stop'],
      [{ messages: [{ role: 'user', content: [img] }], temperature: '0' }, 'invalid_type', 'temperature'],
      [{ messages: [{ role: 'user', content: [img] }], n: 5 }, 'invalid_value', 'n'],
      [{ messages: [{ role: 'user', content: [img] }], max_completion_tokens: 2.5 }, 'invalid_value', 'max_completion_tokens'],
      [{ messages: [{ role: 'user', content: [img] }], model: 3 }, 'invalid_type', 'model'],
    ];
    for (const [body, code, param] of cases) {
      assert.throws(() => parseChatRequest(body, limits), (e: unknown) => e instanceof ApiError && e.status === 400 && e.code === code && e.param === param, JSON.stringify(body));
    }
    // An empty stop list is no stop.
    assert.equal(parseChatRequest({ messages: [{ role: 'user', content: [img] }], stop: [] }, limits).n, 1);
  });

  it('writes the reply with usage summed over choices, and errors in OpenAI shape', () => {
    const b = completionBody({
      id: 'chatcmpl-1',
      created: 5,
      model: 'm',
      fingerprint: 'fp_x',
      promptTokens: 10,
      choices: [
        { text: 'a', finishReason: 'stop', completionTokens: 2 },
        { text: 'bc', finishReason: 'length', completionTokens: 3, logprobs: [{ token: 'é', logprob: -0.5 }] },
      ],
    });
    assert.deepEqual(b, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 5,
      model: 'm',
      system_fingerprint: 'fp_x',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'a' }, logprobs: null, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: 'bc' }, logprobs: { content: [{ token: 'é', logprob: -0.5, bytes: [0xc3, 0xa9], top_logprobs: [] }] }, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    assert.deepEqual(new ApiError(404, 'gone', 'model_not_found', 'model').body(), { error: { message: 'gone', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
    assert.equal(new ApiError(503, 'busy').body().error.type, 'server_error');
  });
});
