import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runArena } from '../../src/arena/arena.js';
import { llmJudge } from '../../src/arena/judge-llm.js';
import { arenaRanking } from '../../src/arena/ranking.js';
import { ChatClient } from '../../src/llm/client.js';

/**
 * The LLM judge through the real OpenAI-compatible client, against a local HTTP server that plays
 * a judge: it prefers the candidate that mentions "effusion", answers "Verdict: A" for any prompt
 * showing "garbled" (a position-biased judge), and replies without a verdict for study s9.
 */
describe('arena with the LLM judge over HTTP (local server)', () => {
  let server: Server;
  let baseUrl = '';
  let requests = 0;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests++;
        const user = (JSON.parse(body) as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'user')!.content;
        const cand = (w: string) => new RegExp(`Candidate report ${w}:\\n"""\\n([^]*?)\\n"""`).exec(user)![1];
        let text: string;
        if (user.includes('Reference report:\n"""\nref s9')) text = 'Both reports look reasonable to me.';
        else if (user.includes('garbled')) text = 'Verdict: A';
        else if (cand('A').includes('effusion') === cand('B').includes('effusion')) text = 'They say the same.\nVerdict: tie';
        else text = `Verdict: ${cand('A').includes('effusion') ? 'A' : 'B'}`;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: text } }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('ranks the model that reports the effusion first, cancels position bias, and skips unreadable verdicts', async () => {
    const ids = Array.from({ length: 10 }, (_, k) => `s${k}`);
    const references = new Map(ids.map((id) => [id, `ref ${id}: right pleural effusion`]));
    const mk = (name: string, text: (id: string) => string) => ({ name, reports: new Map(ids.map((id) => [id, text(id)])) });
    const models = [mk('finds', (id) => `Right pleural effusion (${id}).`), mk('misses', (id) => `Lungs clear (${id}).`), mk('garbled', (id) => `garbled ${id}`)];
    const client = new ChatClient({ baseUrl, model: 'fake-judge', maxRetries: 0, backoffMs: 1 });
    const run = await runArena({ models, references, judge: llmJudge(client, { name: 'llm:fake' }), sampler: 'uniform', battles: 60, seed: 5, maxRetries: 1, concurrency: 4, progress: false });
    const s9 = run.records.filter((r) => r.id === 's9');
    assert.ok(s9.length > 0 && s9.every((r) => r.status === 'skipped' && r.attempts === 2 && /names no verdict/.test(r.errors![1])));
    const vsGarbled = run.records.filter((r) => r.status === 'ok' && r.modelB === 'garbled' && r.modelA === 'misses');
    assert.ok(vsGarbled.length > 0 && vsGarbled.every((r) => r.outcome === 0.5 && (r.detail as { positionConsistent: boolean }).positionConsistent === false));
    const rk = arenaRanking(run.records, run.models, { bootstrap: 0, seed: 1 });
    assert.equal(run.models[rk.order[0]], 'finds');
    // Two orders per judged battle; repeated (study, pair, order) prompts are served by the client's cache.
    assert.ok(requests > 0 && client.stats.requests + client.stats.cacheHits >= 2 * (run.records.length - run.skipped));
  });
});
