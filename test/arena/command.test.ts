import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReportJsonl } from '../../src/arena/predictions.js';
import { describeWithShared } from '../helpers.js';

describe('arena/predictions', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'arena-pred-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, lines: string[]) => {
    const p = join(dir, name);
    writeFileSync(p, lines.join('\n') + '\n');
    return p;
  };

  it('reads {id, text} / {id, prediction} lines and extracts a boxed answer', () => {
    const m = readReportJsonl(file('a.jsonl', ['{"id":"s1","text":"Clear lungs."}', '{"id":2,"prediction":"<think>look [1, 2, 3, 4]</think> \\\\boxed{Small effusion.}"}']));
    assert.deepEqual([...m], [['s1', 'Clear lungs.'], ['2', 'Small effusion.']]);
  });

  it('names the file and record for bad lines, and lists duplicate ids', () => {
    assert.throws(() => readReportJsonl(file('b.jsonl', ['{"id":"s1","text":"x"}', '{"id":"s2"}'])), /b\.jsonl:2 \(id s2\): field 'text'/);
    assert.throws(() => readReportJsonl(file('c.jsonl', ['{"id":"s1","text":"x"}', '{"id":"s1","text":"y"}'])), /c\.jsonl: duplicate ids s1/);
    assert.throws(() => readReportJsonl(file('d.jsonl', ['{"id":"s1","text":"x"}', '{"id":'])), /d\.jsonl:2: malformed JSON/);
  });
});

describeWithShared('deepmedix arena (command)', ['data', 'chexpert-phrases'], () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'arena-cmd-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ranks three prediction files, reports missing ids, writes ranking.json and the figure specs, and resumes', async () => {
    const { main } = await import('../../src/cli.js');
    const refs = [
      ['s1', 'Large right pleural effusion. Heart size normal.'],
      ['s2', 'Cardiomegaly. No pleural effusion.'],
      ['s3', 'Left lower lobe pneumonia.'],
      ['s4', 'No acute cardiopulmonary abnormality.'],
    ];
    const write = (name: string, rows: string[][]) => {
      const p = join(dir, name);
      writeFileSync(p, rows.map(([id, text]) => JSON.stringify({ id, text })).join('\n') + '\n');
      return p;
    };
    const refPath = write('refs.jsonl', refs);
    const good = write('good.jsonl', refs);
    const normal = write('normal.jsonl', refs.map(([id]) => [id, 'No acute cardiopulmonary abnormality.']));
    const partial = write('partial.jsonl', [['s1', 'Left pneumothorax.'], ['s2', 'Edema.']]);
    const out = join(dir, 'out');
    const argv = ['arena', '--references', refPath, `good=${good}`, `normal=${normal}`, `partial=${partial}`, '--out', out, '--arena.battles=120', '--arena.bootstrap=20', '--json', '--no-png', '--params', 'good=7e9'];
    const log = console.log;
    let printed = '';
    console.log = (s: string) => (printed += s);
    try {
      assert.equal(await main(argv), 0);
    } finally {
      console.log = log;
    }
    const r = JSON.parse(printed);
    assert.equal(r.battles, 120);
    assert.equal(r.ranking[0].model, 'good');
    assert.deepEqual(r.coverage.map((c: { missing: number }) => c.missing), [0, 0, 2]);
    const saved = JSON.parse(readFileSync(join(out, 'ranking.json'), 'utf8'));
    assert.deepEqual(saved.ranking, r.ranking);
    for (const f of ['fig2h-arena-battle-counts', 'fig2i-arena-win-rates', 'arena-ranking', 'fig2j-arena-vs-automated']) {
      assert.ok(JSON.parse(readFileSync(join(out, `${f}.json`), 'utf8')).data.length > 0, f);
      assert.ok(readFileSync(join(out, `${f}.html`), 'utf8').includes('Plotly.newPlot'), f);
    }
    // The automated Average per model (11 Table 1 columns): a perfect copy of the references scores highest.
    assert.ok(r.ranking[0].automatedAverage > r.ranking[1].automatedAverage && r.ranking[0].automatedAverage > r.ranking[2].automatedAverage);
    // Marker size by parameter count in Fig. 2j.
    const fig2j = JSON.parse(readFileSync(join(out, 'fig2j-arena-vs-automated.json'), 'utf8'));
    assert.equal(new Set(fig2j.data[0].marker.size).size, 2);
    // A second run with more battles resumes from the log.
    console.log = (s: string) => (printed = s);
    try {
      assert.equal(await main(argv.map((a) => (a === '--arena.battles=120' ? '--arena.battles=150' : a))), 0);
    } finally {
      console.log = log;
    }
    assert.equal(JSON.parse(printed).resumed, 120);
    assert.equal(readFileSync(join(out, 'battles.jsonl'), 'utf8').trim().split('\n').length, 151);
  });
});
