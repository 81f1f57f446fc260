import assert from 'node:assert/strict';
import { cell, grpoLogRows } from '../../../src/train/grpo/report.js';
import type { GrpoStepLog } from '../../../src/train/grpo/trainer.js';

const stat = (mean: number) => ({ mean, std: 0 });
const log = (step: number, kl: number | null, boxes: number): GrpoStepLog => ({
  step,
  reward: { total: stat(1), answer: stat(0.9), format: stat(1), coordinate: stat(0.05) },
  kl,
  clipFraction: 0.1,
  ratioMean: 1,
  entropy: 2,
  loss: 0,
  gradNorm: 1,
  responseLength: { mean: 40, max: 60 },
  stoppedFraction: 1,
  fracRewardZeroStd: 0.5,
  advantageHistogram: { edges: [0], counts: [1, 1] },
  rewardWarnings: 0,
  boxesPerResponse: boxes,
  seconds: { generate: 1, reward: 0, update: 1, total: 2 },
});

describe('GRPO report views', () => {
  it('flattens step logs for the curve plots (no kl column when β = 0)', () => {
    const rows = grpoLogRows([log(1, 0.01, 2), log(2, null, 4)]);
    assert.equal(rows[0].kl, 0.01);
    assert.equal('kl' in rows[1], false);
    assert.equal(rows[1].boxes_per_response, 4);
    assert.equal(rows[0].frac_reward_zero_std, 0.5);
    // The validation probe joins its step's row; step 0 gets a row of its own, first.
    const probe = (step: number, total: number) => ({ step, n: 2, reward: { total, answer: 0, format: 0, coordinate: 0 }, byTask: {}, seconds: 0 });
    const withVal = grpoLogRows([log(1, 0.01, 2), log(2, null, 4)], [probe(0, 0.5), probe(2, 0.7)]);
    assert.deepEqual(withVal.map((r) => [r.step, r.val_reward]), [[0, 0.5], [1, undefined], [2, 0.7]]);
    assert.equal(withVal[2].boxes_per_response, 4);
  });

  it('escapes table cells', () => {
    assert.equal(cell('a|b\n<think>'), 'a\\|b ⏎ &lt;think>');
  });
});
