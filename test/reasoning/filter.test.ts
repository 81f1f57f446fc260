/** The reasoning filter: hand-worked IoU / F1, every bad-reply kind dropped with its reason, the table. */
import assert from 'node:assert/strict';
import { boxIou } from '../../src/text/parse.js';
import { answerMismatch, checkResponse, filterResponse, filterTable, filterTableMarkdown, tokenF1, type FilterOptions } from '../../src/reasoning/filter.js';
import type { ChatModel } from '../../src/llm/client.js';
import { loadTemplates } from '../../src/data/templates.js';
import { byId, EFFUSION } from './fixtures.js';

const OPTS: FilterOptions = { bound: 512, iouThreshold: 0.3, boxMatch: 'any', minChars: 40, maxChars: 2000, minTextF1: 0.5 };
const PRES = byId('r-pres');
const T = [EFFUSION];
const wrap = (think: string, answer = 'yes') => `<think>\n${think}\n</think>\n\\boxed{${answer}}`;
const GOOD = wrap('The left costophrenic angle [300, 330, 440, 420] is blunted by a meniscus of fluid.');

describe('reasoning/filter', () => {
  it('computes IoU and token F1 as worked by hand', () => {
    assert.equal(boxIou([0, 0, 10, 10], [5, 5, 15, 15]), 25 / 175);
    assert.equal(boxIou([0, 0, 10, 10], [0, 0, 10, 20]), 0.5);
    assert.equal(boxIou([0, 0, 10, 10], [20, 20, 30, 30]), 0);
    assert.equal(boxIou([300, 330, 600, 420], EFFUSION.box), 12600 / 27000);
    assert.ok(Math.abs(tokenF1('a b c', 'a b d d') - 4 / 7) < 1e-12);
    assert.equal(tokenF1('x', 'y'), 0);
  });

  it('keeps a well-formed, grounded, correct reply', () => {
    const v = checkResponse(GOOD, PRES, T, OPTS);
    assert.deepEqual(v.failures, []);
    assert.equal(v.nBoxes, 1);
    assert.equal(v.meanIou, 1);
  });

  const BAD: [string, string, string][] = [
    ['empty reply', '', 'empty'],
    ['refusal', "I'm sorry, but I cannot help with interpreting medical images.", 'refusal'],
    ['no think block', 'The left base [300, 330, 440, 420] is blunted, so \\boxed{yes}', 'format'],
    ['unbalanced tags', '<think> a <think> [300, 330, 440, 420] blunted angle </think> \\boxed{yes}', 'format'],
    ['unclosed think', '<think> the left base [300, 330, 440, 420] is blunted \\boxed{yes}', 'format'],
    ['empty think', '<think>  </think> the left base is blunted [300, 330, 440, 420] \\boxed{yes}', 'format'],
    ['non-numeric box', wrap('The left base [x_min, 330, 440, 420] is blunted by fluid here.'), 'box-syntax'],
    ['inverted box', wrap('The left base [440, 330, 300, 420] is blunted by fluid here.'), 'box-syntax'],
    ['box past the bound', wrap('The left base [300, 330, 600, 420] is blunted by fluid here.'), 'box-bound'],
    ['negative coordinate', wrap('The left base [-5, 330, 440, 420] is blunted by fluid here.'), 'box-bound'],
    ['box far from the finding', wrap('The right apex [0, 0, 50, 50] looks abnormal to me here.'), 'box-iou'],
    ['no box at all', wrap('The left costophrenic angle is blunted by a meniscus of fluid.'), 'box-iou'],
    ['empty answer', wrap('The left costophrenic angle [300, 330, 440, 420] is blunted.', ''), 'answer-empty'],
    ['unclosed answer', '<think>The left angle [300, 330, 440, 420] is blunted.</think> \\boxed{yes', 'format'],
    ['wrong answer', wrap('The left costophrenic angle [300, 330, 440, 420] is blunted.', 'no'), 'answer'],
  ];
  for (const [what, reply, rule] of BAD) {
    it(`drops ${what} under '${rule}'`, async () => {
      const v = await filterResponse(reply, PRES, T, OPTS);
      assert.equal(v.kept, false);
      assert.equal(v.reason, rule, JSON.stringify(v.failures));
    });
  }

  it('never throws on non-string or pathological input', async () => {
    for (const junk of [undefined, null, 42, '\\boxed{', '<think></think></think>', '[[[[', '\\boxed{}}}}'] as unknown as string[]) {
      const v = await filterResponse(junk, PRES, T, OPTS);
      assert.equal(v.kept, false);
    }
  });

  it('drops too-short and too-long replies and honours boxMatch=all', () => {
    const short = '<think>[300, 330, 440, 420]</think>\\boxed{yes}';
    assert.deepEqual(checkResponse(short, PRES, T, OPTS).failures, []);
    assert.equal(checkResponse(short, PRES, T, { ...OPTS, minChars: short.length + 1 }).failures[0].rule, 'length');
    assert.equal(checkResponse(GOOD, PRES, T, { ...OPTS, maxChars: 60 }).failures[0].rule, 'length');
    const two = [EFFUSION, { finding: 'Nodule', box: [120, 160, 150, 190] as [number, number, number, number] }];
    assert.deepEqual(checkResponse(GOOD, PRES, two, OPTS).failures, []);
    assert.equal(checkResponse(GOOD, PRES, two, { ...OPTS, boxMatch: 'all' }).failures[0].rule, 'box-iou');
    assert.equal(checkResponse(GOOD, PRES, two, OPTS).meanIou, 0.5);
  });

  it('checks answers by kind: short, list, free text, grounding boxes', () => {
    assert.equal(answerMismatch('Yes.', PRES, OPTS), null);
    const list = byId('r-list');
    assert.equal(answerMismatch('Nodule | pleural effusion', list, OPTS), null);
    assert.match(answerMismatch('nodule', list, OPTS) ?? '', /items/);
    const free = byId('r-imp');
    assert.equal(answerMismatch('Small left effusion. Nodule in the right upper zone.', free, OPTS), null);
    assert.match(answerMismatch('Normal chest.', free, OPTS) ?? '', /F1/);
    const g = byId('r-ground');
    assert.equal(answerMismatch('[305, 335, 440, 420]', g, OPTS), null);
    assert.match(answerMismatch('[0, 0, 10, 10]', g, OPTS) ?? '', /misses 1 of 1/);
    assert.match(answerMismatch('left base', g, OPTS) ?? '', /no box/);
  });

  it('asks the judge only after the rules pass; FAIL, odd replies and judge errors drop', async () => {
    const templates = loadTemplates();
    let calls = 0;
    const judge = (reply: string | Error): ChatModel => ({
      async chat() {
        calls++;
        if (reply instanceof Error) throw reply;
        return { text: reply, cached: false };
      },
    });
    assert.equal((await filterResponse(GOOD, PRES, T, { ...OPTS, judge: { client: judge('PASS'), templates } })).kept, true);
    assert.equal((await filterResponse(GOOD, PRES, T, { ...OPTS, judge: { client: judge('FAIL'), templates } })).reason, 'judge');
    assert.equal((await filterResponse(GOOD, PRES, T, { ...OPTS, judge: { client: judge('maybe'), templates } })).reason, 'judge');
    const err = await filterResponse(GOOD, PRES, T, { ...OPTS, judge: { client: judge(new Error('HTTP 500')), templates } });
    assert.equal(err.reason, 'judge');
    assert.match(err.failures[0].detail, /judge error: HTTP 500/);
    calls = 0;
    await filterResponse('', PRES, T, { ...OPTS, judge: { client: judge('PASS'), templates } });
    assert.equal(calls, 0);
  });

  it('tabulates failed and dropped counts per rule', async () => {
    const replies = [GOOD, GOOD, '', wrap('[0, 0, 50, 50] is where I looked, nothing else there.', 'no'), 'no tags here but long enough to pass length'];
    const verdicts = await Promise.all(replies.map((r) => filterResponse(r, PRES, T, OPTS)));
    const t = filterTable(verdicts);
    assert.equal(t.total, 5);
    assert.equal(t.kept, 2);
    const row = (rule: string) => t.rows.find((r) => r.rule === rule)!;
    assert.deepEqual([row('empty').dropped, row('box-iou').dropped, row('format').dropped], [1, 1, 1]);
    // The fourth reply fails box-iou and answer; the fifth fails format, box-iou and answer-empty.
    assert.equal(row('box-iou').failed, 3);
    assert.equal(row('answer').failed, 1);
    assert.equal(t.rows.reduce((a, r) => a + r.dropped, 0), t.dropped);
    assert.match(filterTableMarkdown(t), /\*\*2 of 5\*\*/);
  });
});
