import assert from 'node:assert/strict';
import { answerReward } from '../../src/rewards/answer.js';
import { clinicalAgreement } from '../../src/rewards/clinical.js';
import { computeReward, DEFAULT_REWARD_SPEC } from '../../src/rewards/compose.js';

// Worked by hand from the CheXpert phrase lists: "heart is enlarged" -> Cardiomegaly, "pleural
// effusion" -> Pleural Effusion; a report with no positive finding -> No Finding.
const ABNORMAL = 'The heart is enlarged. There is a small left pleural effusion.';
const NORMAL = 'Heart size is normal. Lungs are clear. No pleural effusion or pneumothorax.';

describe('clinical reward term (not in the paper)', () => {
  it('set F1 of the positive CheXpert observations (hand-worked)', () => {
    assert.equal(clinicalAgreement(ABNORMAL, ABNORMAL), 1);
    assert.equal(clinicalAgreement(NORMAL, NORMAL), 1, 'both {No Finding}');
    assert.equal(clinicalAgreement(NORMAL, ABNORMAL), 0, '{No Finding} vs {Cardiomegaly, Pleural Effusion}');
    // {Cardiomegaly} vs {Cardiomegaly, Pleural Effusion}: P 1, R 1/2 -> F1 2/3 ("No effusion" is negated).
    assert.ok(Math.abs(clinicalAgreement('Cardiomegaly. No effusion.', ABNORMAL) - 2 / 3) < 1e-12);
  });

  it('mixes into the free-text score as (1 − c)·n-gram mean + c·agreement; c = 0 is the paper', () => {
    const plain = answerReward('Cardiomegaly. No effusion.', ABNORMAL);
    const mixed = answerReward('Cardiomegaly. No effusion.', ABNORMAL, { clinical: 0.5 });
    assert.equal(plain.freeText!.clinical, undefined);
    assert.ok(Math.abs(mixed.score - (0.5 * plain.score + 0.5 * (2 / 3))) < 1e-12);
    assert.ok(Math.abs(mixed.reward - 1.5 * mixed.score) < 1e-12);
    // Short and list answers are untouched.
    assert.equal(answerReward('yes', 'yes', { clinical: 0.5 }).reward, 1.5);
    const r = computeReward('<think>x</think> \\boxed{Cardiomegaly. No effusion.}', ABNORMAL, { ...DEFAULT_REWARD_SPEC, clinical: 0.5 });
    assert.ok(Math.abs(r.answer - mixed.reward) < 1e-12);
    assert.equal(computeReward('<think>x</think> \\boxed{Cardiomegaly. No effusion.}', ABNORMAL).answer, plain.reward);
  });
});
