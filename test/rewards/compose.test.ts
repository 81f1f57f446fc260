import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { computeReward, DEFAULT_REWARD_SPEC, safeReward, type RewardSpec } from '../../src/rewards/compose.js';
import { normalizeResponse, formatReward } from '../../src/rewards/format.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
const spec = (o: Partial<RewardSpec> = {}): RewardSpec => ({ ...DEFAULT_REWARD_SPEC, ...o });

describe('format reward r_form and normalization', () => {
  it('removes whitespace around <, > and / before the whole-response match', () => {
    assert.equal(normalizeResponse('< think > a </ think > b'), '<think>a</think>b');
    assert.equal(formatReward(normalizeResponse('< think >x</ think >\n\\boxed{y} done')), 1);
    assert.equal(formatReward('<think>x</think> no box'), 0);
    assert.equal(formatReward('\\boxed{y} <think>x</think>'), 0);
    assert.equal(formatReward('<think>x</think>\\boxed{y'), 0);
  });
});

describe('composed reward r = (1 − λ)·r_ans + λ·r_form + r_coo', () => {
  it('hand-worked: well formed, correct short answer, two boxes', () => {
    const resp = '<think>The heart is enlarged [100, 120, 400, 380]. Left base [300,350,480,500].</think> The answer is \\boxed{Cardiomegaly}.';
    const r = computeReward(resp, 'cardiomegaly');
    assert.equal(r.extracted, 'Cardiomegaly');
    assert.equal(r.answer, 1.5);
    assert.equal(r.format, 1);
    close(r.coordinate, 0.1);
    close(r.total, 0.9 * 1.5 + 0.1 * 1 + 0.1); // 1.55
  });

  it('hand-worked: spaced tags still well formed, wrong answer, out-of-bound box', () => {
    const r = computeReward('< think > reasoning [10,10,600,20] </ think > \\boxed{yes}', 'No');
    assert.equal(r.format, 1);
    assert.equal(r.answer, 0);
    close(r.coordinate, -0.2);
    close(r.total, 0.1 - 0.2);
  });

  it('hand-worked: list answer without think block', () => {
    const r = computeReward('\\boxed{a | c}', 'a|b|c'); // F1 = 0.8 -> r_ans = 1.2
    assert.equal(r.kind, 'list');
    assert.equal(r.format, 0);
    close(r.answer, 1.2);
    close(r.total, 0.9 * 1.2);
  });

  it('free text uses the chosen variant; no \\boxed gives the answer "None"', () => {
    const rows = JSON.parse(readFileSync(new URL('./fixtures/free-text-nltk.json', import.meta.url), 'utf8')) as {
      answer: string; groundTruth: string; paperCode: { bleu1: number; bleu4: number }; word: { bleu1: number; bleu4: number }; rouge1F: number;
    }[];
    const row = rows[1];
    const resp = `<think>look</think>\\boxed{${row.answer}}`;
    const p = computeReward(resp, row.groundTruth);
    close(p.answer, 1.5 * (row.paperCode.bleu1 + row.paperCode.bleu4 + row.rouge1F) / 3, 'paper-code');
    const w = computeReward(resp, row.groundTruth, spec({ text: 'word' }));
    close(w.answer, 1.5 * (row.word.bleu1 + row.word.bleu4 + row.rouge1F) / 3, 'word');
    assert.equal(computeReward('<think>x</think> no answer', 'Heart size is normal.').extracted, 'None');
  });

  it("as in the public code, a response with no \\boxed{} extracts 'None', which matches a ground truth 'none'", () => {
    // A known quirk of the rules (kept for fidelity): on questions whose answer is "none",
    // not answering at all earns the full answer reward.
    const r = computeReward('no box here at all', 'none');
    assert.equal(r.extracted, 'None');
    assert.equal(r.answer, 1.5);
    assert.equal(computeReward('nothing', 'none', DEFAULT_REWARD_SPEC, 'list').answer, 1.5);
  });

  it('ablation switches: λ, format off, coordinate variants', () => {
    const resp = '<think>[1, 2, 3, 4]</think>\\boxed{yes}';
    close(computeReward(resp, 'yes', spec({ lambda: 0.5 })).total, 0.5 * 1.5 + 0.5 + 0.05);
    close(computeReward(resp, 'yes', spec({ format: false })).total, 1.5 + 0.05);
    close(computeReward(resp, 'yes', spec({ coordinate: 'floor' })).total, 0.9 * 1.5 + 0.1 + 0.15);
    close(computeReward(resp, 'yes', spec({ coordinate: 'off' })).total, 0.9 * 1.5 + 0.1);
  });
});

describe('safeReward', () => {
  it('a throwing reward function gives zero reward and a warning', () => {
    const s = safeReward('x', 'y', DEFAULT_REWARD_SPEC, undefined, () => {
      throw new Error('boom');
    });
    assert.equal(s.components.total, 0);
    assert.match(s.warning ?? '', /threw \(boom\)/);
  });

  it('a NaN component gives zero reward and a warning', () => {
    const s = safeReward('<think>x</think>\\boxed{yes}', 'yes', spec({ lambda: Number.NaN }));
    assert.equal(s.components.total, 0);
    assert.match(s.warning ?? '', /not finite/);
  });

  it('a good response passes through without a warning', () => {
    const s = safeReward('<think>x</think>\\boxed{yes}', 'yes');
    assert.equal(s.warning, undefined);
    close(s.components.total, 0.9 * 1.5 + 0.1);
  });
});
