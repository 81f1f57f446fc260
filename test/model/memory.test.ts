import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/config.js';
import { VisionLanguageModel, specFromConfig } from '../../src/model/index.js';
import { AdamW } from '../../src/train/optim.js';

describe('model and optimizer construction', () => {
  it('hold exactly their variables: the initial values are not left behind as extra tensors', () => {
    const spec = specFromConfig(resolveConfig('smoke').model, 300);
    const n0 = tf.memory().numTensors;
    const model = new VisionLanguageModel(spec, 1);
    assert.equal(tf.memory().numTensors - n0, model.params.size, 'one tensor per model parameter');
    const n1 = tf.memory().numTensors;
    const opt = new AdamW(model.params, model.decayed, { weightDecay: 0.01 });
    const added = tf.memory().numTensors - n1;
    // two moment variables per parameter, plus the optimizer's few scalar constants
    assert.ok(added >= 2 * model.params.size && added <= 2 * model.params.size + 8, `AdamW added ${added} tensors for ${model.params.size} parameters`);
    void opt;
    model.dispose();
  });
});
