import assert from 'node:assert/strict';
import { llmJudge, parseVerdict, judgePrompt, type ChatLike } from '../../src/arena/judge-llm.js';
import { clinicalFactLevels, labelAgreement, offlineFactJudge } from '../../src/arena/judge-offline.js';
import { VerdictParseError } from '../../src/arena/types.js';

/** A fake chat model: answers from a function of the user prompt, and records the prompts. */
function fakeClient(answer: (user: string, call: number) => string): ChatLike & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    prompts,
    async chat(req) {
      const user = req.messages.find((m) => m.role === 'user')!.content;
      prompts.push(user);
      return { text: answer(user, prompts.length - 1) };
    },
  };
}
/** The text of candidate A / B as shown in a prompt. */
const shown = (user: string, which: 'A' | 'B') => new RegExp(`Candidate report ${which}:\\n"""\\n([^]*?)\\n"""`).exec(user)![1];

describe('arena/judge-llm parseVerdict', () => {
  const cases: [string, 'A' | 'B' | 'tie' | null][] = [
    ['Both mention the effusion.\nVerdict: A', 'A'],
    ['verdict: b', 'B'],
    ['**Verdict:** Tie', 'tie'],
    ['Verdict - Report B.', 'B'],
    ['Final verdict: [[A]]', 'A'],
    ['[[B]]', 'B'],
    ['The answer is \\boxed{A}', 'A'],
    ['Verdict: a tie, both are normal.', 'tie'],
    ['Verdict: Neither is better.', 'tie'],
    ['I first thought Verdict: A, but on reflection the effusion is missing.\nVerdict: B', 'B'],
    ['<think>Verdict: A maybe</think>\nVerdict: B', 'B'],
    ['Candidate A misses the pneumothorax.\nB', 'B'],
    ['Report A is better.', 'A'],
    ['It is a tie.', 'tie'],
    ['Verdict: A or B, hard to say', null],
    ['Both reports are fine.', null],
    ['', null],
  ];
  for (const [text, want] of cases) it(`${JSON.stringify(text)} -> ${want}`, () => assert.equal(parseVerdict(text), want));
});

describe('arena/judge-llm', () => {
  const req = { id: 's1', reference: 'Small left effusion.', a: 'Left pleural effusion.', b: 'Lungs are clear.' };

  it('asks both orders and scores the battle from candidate A: agreement gives 1 or 0', async () => {
    // A judge that always prefers the report mentioning "effusion", wherever it is shown.
    const client = fakeClient((u) => (/effusion/.test(shown(u, 'A')) ? 'Verdict: A' : 'Verdict: B'));
    const j = await llmJudge(client, { name: 'llm:fake' }).judge(req);
    assert.equal(j.outcome, 1);
    assert.equal(j.verdict, 'A');
    assert.equal(client.prompts.length, 2);
    assert.equal(shown(client.prompts[0], 'A'), req.a);
    assert.equal(shown(client.prompts[1], 'A'), req.b);
    assert.ok(client.prompts[0].includes('Small left effusion.'));
    assert.equal((j.detail as { positionConsistent: boolean }).positionConsistent, true);
    const swapped = await llmJudge(client).judge({ ...req, a: req.b, b: req.a });
    assert.equal(swapped.outcome, 0);
  });

  it('cancels pure position bias: a judge that always says "A" yields a tie', async () => {
    const j = await llmJudge(fakeClient(() => 'Verdict: A')).judge(req);
    assert.equal(j.outcome, 0.5);
    assert.equal(j.verdict, 'tie');
    assert.equal((j.detail as { positionConsistent: boolean }).positionConsistent, false);
  });

  it('one order a tie, the other a win gives ¾', async () => {
    const j = await llmJudge(fakeClient((_, call) => (call === 0 ? 'Verdict: A' : 'Verdict: tie'))).judge(req);
    assert.equal(j.outcome, 0.75);
    assert.equal(j.verdict, 'A');
  });

  it('an unparseable reply raises VerdictParseError carrying the raw text; the retry prompt reminds the format', async () => {
    const client = fakeClient((_, call) => (call === 1 ? 'Both reports are reasonable.' : 'Verdict: B'));
    await assert.rejects(llmJudge(client).judge(req), (e: unknown) => e instanceof VerdictParseError && e.raw === 'Both reports are reasonable.' && /B\/A/.test(e.message));
    assert.ok(!client.prompts[0].includes('could not be read'));
    await llmJudge(client).judge({ ...req, attempt: 1 });
    assert.ok(client.prompts[2].includes('could not be read'));
  });

  it('the prompt marks an empty candidate', () => {
    assert.ok(judgePrompt('ref', '', 'x').includes('(empty report)'));
  });
});

describe('arena/judge-offline', () => {
  const levels = [
    { name: 'facts', margin: 0, score: (c: string, r: string) => (c.includes('effusion') === r.includes('effusion') ? 1 : 0) },
    { name: 'length', margin: 2, score: (c: string, r: string) => -Math.abs(c.length - r.length) },
  ];
  const judge = offlineFactJudge(levels);

  it('decides by the first level whose difference exceeds its margin', async () => {
    const r = 'Small left effusion.';
    const j1 = await judge.judge({ id: 'x', reference: r, a: 'Lungs clear.', b: 'Effusion on the left. effusion' });
    assert.equal(j1.outcome, 0);
    assert.equal((j1.detail as { decidedBy: string }).decidedBy, 'facts');
    // Same facts; lengths 20 vs 21 (within margin 2) -> tie; 20 vs 30 -> the closer length wins.
    const j2 = await judge.judge({ id: 'x', reference: r, a: 'Small left effusion!', b: 'Small left effusion.x' });
    assert.deepEqual([j2.outcome, j2.verdict], [0.5, 'tie']);
    const j3 = await judge.judge({ id: 'x', reference: r, a: 'Small left effusion!', b: 'Small left effusion seen here.' });
    assert.deepEqual([j3.outcome, (j3.detail as { decidedBy: string }).decidedBy], [1, 'length']);
    assert.equal(judge.name, 'offline:facts>length');
  });

  it("labeler agreement, 'binary': positive or uncertain as 1 over all the given observations", () => {
    const obs = ['Edema', 'Cardiomegaly', 'Pleural Effusion', 'Pneumothorax'];
    // candidate: Edema 1, Cardiomegaly -1 (->1), Effusion 0; reference: Edema 1, Effusion 1, Pneumothorax 0
    const a = labelAgreement({ Edema: 1, Cardiomegaly: -1, 'Pleural Effusion': 0 }, new Map([['Edema', 1], ['Pleural Effusion', 1], ['Pneumothorax', 0]]), obs, 'binary');
    assert.equal(a, 2 / 4); // agree on Edema and Pneumothorax
  });

  it("labeler agreement, 'mentioned' (default): same label on the observations either report mentions; silence is not agreement", () => {
    const obs = ['Edema', 'Cardiomegaly', 'Pleural Effusion', 'Pneumothorax', 'No Finding'];
    const ref = { 'Pleural Effusion': 0, Pneumothorax: 0, Cardiomegaly: 0, 'No Finding': 1 } as const;
    // Candidate mentions Edema 1, Cardiomegaly -1, Effusion 0: union {Edema, Card, Eff, PTX, NoF}, same on Effusion only.
    assert.equal(labelAgreement({ Edema: 1, Cardiomegaly: -1, 'Pleural Effusion': 0 }, ref, obs), 1 / 5);
    // An empty report reads as "No Finding" only: 1 of the 4 mentioned observations agrees.
    assert.equal(labelAgreement({ 'No Finding': 1 }, ref, obs), 1 / 4);
    // The normal report with the same pertinent negatives agrees on all 4.
    assert.equal(labelAgreement({ ...ref }, ref, obs), 1);
    assert.equal(labelAgreement({}, {}, obs), 1);
  });

  it('builds the default levels in clinical order from whatever metrics are given', () => {
    const lv = clinicalFactLevels({
      labeler: { label: (t) => ({ Edema: t.includes('edema') ? 1 : 0 }), observations: ['Edema'] },
      text: { name: 'rougeL', score: () => 0 },
    });
    assert.deepEqual(lv.map((l) => [l.name, l.margin]), [['labels', 0], ['rougeL', 0.02]]);
    assert.equal(lv[0].score('mild edema', 'edema present'), 1);
    assert.throws(() => clinicalFactLevels({}), /at least one/);
  });
});
