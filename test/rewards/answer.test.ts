import assert from 'node:assert/strict';
import { answerKind, answerReward } from '../../src/rewards/answer.js';
import { listAnswerScore } from '../../src/metrics/answer-match.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('answer reward r_ans', () => {
  it('infers the kind from the ground truth as the public code does', () => {
    assert.equal(answerKind('yes'), 'short');
    assert.equal(answerKind('left lung'), 'short');
    assert.equal(answerKind('left lower lobe'), 'free');
    assert.equal(answerKind('atelectasis|effusion'), 'list');
    assert.equal(answerKind(Array.from({ length: 21 }, (_, i) => `w${i}`).join(' ') + ' | x'), 'free'); // > 20 tokens
  });

  it('short answers: case-insensitive exact match, × 1.5', () => {
    assert.equal(answerReward('Yes', 'yes').reward, 1.5);
    assert.equal(answerReward('yes.', 'yes').reward, 0);
    assert.equal(answerReward('None', 'no').reward, 0);
  });

  it('list answers: set F1 over |-separated items (hand-worked)', () => {
    // [b, d] vs [a, b, c]: 1 common; P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4
    close(listAnswerScore('B | d', 'a|b|c'), 0.4);
    close(answerReward('B | d', 'a|b|c').reward, 0.6);
    // precision counts the answer's items, duplicates included: [a, a] vs [a, b] -> P = 1/2, R = 1/2
    close(listAnswerScore('a|a', 'a|b'), 0.5);
    close(listAnswerScore('c|b|a', 'a | b | c'), 1);
    assert.equal(listAnswerScore('x', 'a|b'), 0);
  });

  it('free text: mean of BLEU-1, BLEU-4, ROUGE-1, × 1.5; a forced kind overrides inference', () => {
    const r = answerReward('The heart is enlarged.', 'Heart size is normal. Lungs are clear.');
    assert.equal(r.kind, 'free');
    assert.ok(r.freeText);
    close(r.score, (r.freeText.bleu1 + r.freeText.bleu4 + r.freeText.rouge1) / 3);
    close(r.reward, 1.5 * r.score);
    assert.equal(answerReward('no acute disease', 'No acute disease', { kind: 'short' }).reward, 1.5);
  });

  it('an empty answer is scored as a single space', () => {
    const r = answerReward('', 'Small bilateral pleural effusions.');
    assert.equal(r.answer, ' ');
  });
});
