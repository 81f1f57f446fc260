import * as tf from '@tensorflow/tfjs';
import type { GrpoPolicy, GrpoPrompt, SampleOptions, SampledResponse } from '../../../src/train/grpo/policy.js';

/**
 * A one-token policy over four canned responses (softmax over a logit vector): small enough that
 * what GRPO should do is obvious — move probability onto the response with the highest reward.
 */
export const CANNED = [
  '<think>the effusion [10, 300, 200, 480]</think> \\boxed{yes}', // r = 0.9·1.5 + 0.1 + 0.05 = 1.5
  '<think>nothing</think> \\boxed{no}', // r = 0.1
  'yes', // r = 0 (no box, no format)
  '<think>[0, 0, 999, 999]</think> \\boxed{no}', // r = 0.1 − 0.2
];
export class CannedPolicy implements GrpoPolicy {
  readonly logits = tf.variable(tf.zeros([CANNED.length]));
  readonly params = new Map([['logits', this.logits]]);
  probs(): number[] {
    return Array.from(tf.tidy(() => tf.softmax(this.logits)).dataSync());
  }
  sample(prompts: readonly GrpoPrompt[], G: number, o: SampleOptions): SampledResponse[] {
    const p = this.probs();
    return prompts.flatMap((_, i) =>
      Array.from({ length: G }, () => {
        const id = o.rng.weighted(p);
        return { promptIndex: i, tokens: [id], logProbs: [Math.log(p[id])], text: CANNED[id], stopped: true };
      }),
    );
  }
  responseLogProbs(_prompts: readonly GrpoPrompt[], responses: readonly number[][]) {
    return tf.tidy(() => {
      const lp = tf.logSoftmax(this.logits);
      const onehot = tf.oneHot(tf.tensor1d(responses.map((r) => r[0]), 'int32'), CANNED.length);
      const picked = tf.sum(tf.mul(onehot, tf.reshape(lp, [1, CANNED.length])), 1);
      return { logProbs: tf.reshape(picked, [responses.length, 1]) as tf.Tensor2D, mask: tf.ones([responses.length, 1]) as tf.Tensor2D };
    });
  }
}
