/** Synthesis end to end: selection, offline run + filter + cold-start set, resume, the LLM synthesizer over a local server. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OfflineSynthesizer } from '../../src/reasoning/offline-synthesizer.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { LlmSynthesizer } from '../../src/reasoning/llm-synthesizer.js';
import { ChatClient } from '../../src/llm/client.js';
import { fillTemplate, loadTemplates, withFormatInstruction } from '../../src/data/templates.js';
import type { ReasoningSynthesizer } from '../../src/reasoning/synthesizer.js';
import type { FilterOptions } from '../../src/reasoning/filter.js';
import { readJsonl } from '../../src/util/fsx.js';
import { RECORDS, STUDIES, byId } from './fixtures.js';
import { balancedSelection } from '../../src/data/selection.js';
import { runSynthesis } from '../../src/reasoning/synthesis.js';

const FILTER: FilterOptions = { bound: 512, iouThreshold: 0.3, boxMatch: 'any', minChars: 40, maxChars: 2000, minTextF1: 0.5 };

describe('reasoning/pipeline', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dmx-synth-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const templates = loadTemplates();

  it('selects a seeded subset spread over tasks', () => {
    const a = balancedSelection(RECORDS, 4, 9);
    assert.deepEqual(a.map((r) => r.id), balancedSelection(RECORDS, 4, 9).map((r) => r.id));
    assert.equal(new Set(a.map((r) => r.task)).size, 4);
    assert.equal(balancedSelection(RECORDS, 100, 9).length, RECORDS.length);
  });

  it('weights tasks per round and lets question types take turns within a task', () => {
    const rec = (id: string, task: string, questionType?: string) => ({ ...RECORDS[0], id, task, questionType }) as InstructionRecord;
    const pool = [
      ...['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => rec(id, 'vqa', 'common')),
      rec('b1', 'vqa', 'rare'),
      ...['r1', 'r2', 'r3'].map((id) => rec(id, 'report-findings')),
    ];
    // Round 1: one report, two VQA (common, rare); round 2: one report, two VQA (common, common).
    const picked = balancedSelection(pool, 6, 3, { vqa: 2 });
    assert.deepEqual(picked.map((r) => r.task), ['report-findings', 'vqa', 'vqa', 'report-findings', 'vqa', 'vqa']);
    assert.equal(picked.filter((r) => r.id === 'b1').length, 1, 'the rare type is drawn in the first round');
    assert.equal(balancedSelection(pool, 100, 3, { vqa: 0 }).length, 3, 'weight 0 leaves a task out');
    assert.throws(() => balancedSelection(pool, 4, 3, { vqa: 1.5 }), /whole number/);
  });

  it('synthesizes offline, keeps everything, writes the cold-start set with the format instruction', async () => {
    const res = await runSynthesis(RECORDS, STUDIES, new OfflineSynthesizer({ seed: 1, style: 'concise' }), { outDir: dir, filter: FILTER, templates, quiet: true });
    assert.equal(res.table.total, RECORDS.length);
    assert.equal(res.table.kept, RECORDS.length);
    const cs = readJsonl<{ prompt: string; answer: string; truth: string }>(join(dir, 'coldstart.jsonl'));
    assert.equal(cs.length, RECORDS.length);
    assert.ok(cs[0].prompt.endsWith(withFormatInstruction('', templates, 512).trim()));
    assert.match(cs[0].prompt, /<think>.*\[x_min, y_min, x_max, y_max\].*512x512.*\\boxed\{\}/s);
    assert.match(cs[0].answer, /^<think>/);
    assert.match(readFileSync(join(dir, 'filter-table.md'), 'utf8'), /\*\*11 of 11\*\*/);
  });

  it('drops what the synthesizer gets wrong and never crashes on a failing synthesizer', async () => {
    const flaky: ReasoningSynthesizer = {
      name: 'flaky',
      async synthesize({ record }) {
        if (record.id === 'r-pres') throw new Error('endpoint down');
        if (record.id === 'r-abs') return { recordId: record.id, response: "I'm sorry, I can't help with that.", synthesizer: 'flaky', cached: false };
        return { recordId: record.id, response: new OfflineSynthesizer({ seed: 1, style: 'full' }).write({ record, study: STUDIES.get(record.studyId) }), synthesizer: 'flaky', cached: false };
      },
    };
    const res = await runSynthesis(RECORDS, STUDIES, flaky, { filter: FILTER, templates, quiet: true, concurrency: 3 });
    assert.equal(res.table.kept, RECORDS.length - 2);
    const reasons = Object.fromEntries(res.verdicts.filter((v) => !v.kept).map((v) => [v.recordId, v.reason]));
    assert.deepEqual(reasons, { 'r-pres': 'empty', 'r-abs': 'refusal' });
    assert.equal(res.samples.find((s) => s.recordId === 'r-pres')?.error, 'endpoint down');
  });

  it('resumes: a rerun synthesizes only what is missing, after repairing a torn last line', async () => {
    let calls = 0;
    const offline = new OfflineSynthesizer({ seed: 1, style: 'concise' });
    const counting: ReasoningSynthesizer = { name: 'offline', synthesize: (i) => (calls++, offline.synthesize(i)) };
    await runSynthesis(RECORDS.slice(0, 5), STUDIES, counting, { outDir: dir, filter: FILTER, templates, quiet: true });
    assert.equal(calls, 5);
    appendFileSync(join(dir, 'samples.jsonl'), '{"recordId":"r-view","resp');
    calls = 0;
    const res = await runSynthesis(RECORDS, STUDIES, counting, { outDir: dir, filter: FILTER, templates, quiet: true });
    assert.equal(res.resumed, 5);
    assert.equal(calls, RECORDS.length - 5);
    assert.equal(readJsonl(join(dir, 'samples.jsonl')).length, RECORDS.length);
    assert.equal(res.table.kept, RECORDS.length);
  });
});

describe('reasoning/llm synthesizer (local server)', () => {
  let server: Server;
  let baseUrl: string;
  const bodies: string[] = [];
  let dir: string;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        const user = JSON.parse(body).messages[1].content;
        const text = user[user.length - 1].text as string;
        // A teacher that follows the prompt: boxes it was given, then the verified answer.
        const box = /\[(\d+, \d+, \d+, \d+)\]/.exec(text)?.[0] ?? '';
        const answer = /Verified correct answer:\n(.*)\n/.exec(text)?.[1] ?? '';
        res.writeHead(200).end(JSON.stringify({ choices: [{ message: { content: `<think>\nThe region ${box} shows the finding clearly here.\n</think>\n\\boxed{${answer}}` } }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    dir = mkdtempSync(join(tmpdir(), 'dmx-llm-'));
    mkdirSync(join(dir, 'images'));
    writeFileSync(join(dir, 'images', 's1.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends image, task, truth and boxes; its replies pass the filter; a rerun is served from the cache', async () => {
    const templates = loadTemplates();
    const make = () =>
      new LlmSynthesizer({ client: new ChatClient({ baseUrl, model: 'teacher', apiKey: '', cachePath: join(dir, 'cache.jsonl') }), model: 'teacher', templates, imageRoot: dir });
    const record = byId('r-pres');
    const out = await make().synthesize({ record, study: STUDIES.get('s1') });
    const sent = JSON.parse(bodies[0]);
    assert.equal(sent.messages[0].role, 'system');
    assert.match(sent.messages[0].content, /512x512/);
    assert.equal(sent.messages[1].content[0].image_url.url, `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`);
    assert.match(sent.messages[1].content[1].text, /Is there a pleural effusion\?[\s\S]*Verified correct answer:\nyes\n[\s\S]*Pleural Effusion: \[300, 330, 440, 420\]/);
    assert.equal(out.synthesizer, 'llm:teacher');
    assert.equal(out.cached, false);
    const res = await runSynthesis([record], STUDIES, make(), { filter: FILTER, templates, quiet: true });
    assert.equal(res.samples[0].cached, true);
    assert.equal(res.table.kept, 1);
    assert.equal(bodies.length, 1);
  });

  it('names a missing image and a missing template field', () => {
    const templates = loadTemplates();
    const syn = new LlmSynthesizer({ client: new ChatClient({ baseUrl, model: 'm', apiKey: '' }), model: 'm', templates, imageRoot: join(dir, 'nowhere') });
    assert.throws(() => syn.messages({ record: byId('r-pres') }), /image not found: .*s1\.png/);
    assert.throws(() => fillTemplate('{{nope}}', {}, 'my.json: user'), /my\.json: user: no value for placeholder \{\{nope\}\}/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ formatInstruction: 'x', synthesis: { system: 's' }, judge: { system: 'a', user: 'b' } }));
    assert.throws(() => loadTemplates(bad), /bad\.json: field 'synthesis\.user' must be a non-empty string/);
  });
});

describe('reasoning/stats', () => {
  it('counts per task with an all row', async () => {
    const { synthesisStats } = await import('../../src/reasoning/stats.js');
    const samples = [
      { recordId: 'a', studyId: 's', task: 'vqa', questionType: 'presence', synthesizer: 'x', response: '1234', cached: false },
      { recordId: 'b', studyId: 's', task: 'vqa', questionType: 'presence', synthesizer: 'x', response: '12', cached: false },
      { recordId: 'c', studyId: 's', task: 'grounding', questionType: 'grounding', synthesizer: 'x', response: '123456', cached: false },
    ];
    const v = (kept: boolean, nBoxes: number, meanIou: number | null) => ({ recordId: '', kept, reason: null, failures: [], nBoxes, meanIou });
    const rows = synthesisStats(samples, [v(true, 1, 1), v(false, 0, null), v(true, 2, 0.5)]);
    assert.deepEqual(rows.map((r) => r.task), ['vqa', 'grounding', 'all']);
    assert.deepEqual(rows[0], { task: 'vqa', n: 2, kept: 1, meanBoxes: 0.5, meanIou: 1, meanChars: 3 });
    assert.deepEqual(rows[2], { task: 'all', n: 3, kept: 2, meanBoxes: 1, meanIou: 0.75, meanChars: 4 });
  });
});

describe('reasoning/templates', () => {
  it('resolves configured paths and loads the shipped files', async () => {
    const { templatesPath, DEFAULT_TEMPLATES_PATH } = await import('../../src/data/templates.js');
    assert.equal(templatesPath(''), DEFAULT_TEMPLATES_PATH);
    assert.equal(templatesPath('/abs/t.json'), '/abs/t.json');
    const compact = loadTemplates(templatesPath('src/data/templates/compact.json'));
    const full = loadTemplates();
    assert.ok(compact.formatInstruction.length < full.formatInstruction.length);
    assert.match(compact.formatInstruction, /<think><\/think>.*\\boxed\{\}/);
    assert.equal(compact.synthesis.user, full.synthesis.user);
  });
});
