/**
 * Sizes that would make a loop spin forever (a batch of 0 steps through a list by 0) are refused:
 * the library functions that take a batch size check it, as the CLI's count flags and the config's
 * ranges do.
 */
import assert from 'node:assert/strict';
import { main } from '../../src/cli.js';
import { predictRecords } from '../../src/eval/predict.js';
import type { VisionLanguageModel } from '../../src/model/vlm.js';
import type { Tokenizer } from '../../src/text/tokenizer.js';
import { validateGrpo } from '../../src/train/grpo/validation.js';
import { epochBatches } from '../../src/train/sft.js';
import { DEFAULT_REWARD_SPEC } from '../../src/rewards/compose.js';
import { Rng } from '../../src/util/rng.js';

describe('no size makes a loop spin', function () {
  this.timeout(20_000);
  const model = { spec: { maxLen: 40 } } as unknown as VisionLanguageModel;
  it('predictRecords, epochBatches and validateGrpo refuse a batch size of 0 (and fractions)', async () => {
    for (const bad of [0, -1, 1.5, NaN]) {
      await assert.rejects(predictRecords(model, {} as Tokenizer, [], { imageRoot: '.', batchSize: bad, quiet: true }), /batchSize must be a whole number ≥ 1/);
      assert.throws(() => epochBatches([{ prompt: [1], answer: [2] }], bad, 0, new Rng(1)), /batchSize must be a whole number ≥ 1/);
      assert.throws(() => validateGrpo({} as Parameters<typeof validateGrpo>[0], [], DEFAULT_REWARD_SPEC, { step: 0, maxNewTokens: 4, batch: bad }), /batch must be a whole number ≥ 1/);
    }
  });
  it('count flags refuse 0 and negatives before any work', async () => {
    const error = console.error;
    console.error = () => {};
    try {
      for (const argv of [['predict', '--checkpoint', 'x', '--benchmark', 'test', '--out', 'p.jsonl', '--batch', '0'], ['predict', '--checkpoint', 'x', '--benchmark', 'test', '--out', 'p.jsonl', '--limit', '-5']]) {
        assert.equal(await main(argv), 2, argv.join(' '));
      }
    } finally {
      console.error = error;
    }
  });
});
