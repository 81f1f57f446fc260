import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/backend.js';
import { resolveConfig } from '../../../src/config.js';
import { saveCheckpoint } from '../../../src/model/checkpoint.js';
import { promptIds } from '../../../src/model/sequence.js';
import { specFromConfig } from '../../../src/model/spec.js';
import { VisionLanguageModel } from '../../../src/model/vlm.js';
import { trainTokenizer } from '../../../src/text/tokenizer.js';
import { ablationSlug, runAblations } from '../../../src/train/grpo/ablations.js';
import type { GrpoPrompt } from '../../../src/train/grpo/policy.js';
import { Rng } from '../../../src/util/rng.js';

describe('GRPO ablation runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpo-abl-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs each variant from the same start into its own directory, and reuses finished runs', async () => {
    await initBackend({ log: null });
    const tok = trainTokenizer(['Is there a pleural effusion? yes no <think> </think> \\boxed{yes} [1, 2, 3, 4]'], { vocabSize: 400, coordBins: 16 });
    const base = resolveConfig('smoke', { 'grpo.steps': 2, 'grpo.groupSize': 3, 'grpo.batchPrompts': 1, 'grpo.maxNewTokens': 6 });
    const spec = specFromConfig({ ...base.model, imageSize: 16, patchSize: 8, dModel: 16, nLayers: 1, encoderLayers: 1, nHeads: 2, dFf: 32, maxLen: 40 }, tok.vocabSize);
    const model = new VisionLanguageModel(spec, 1);
    const init = join(dir, 'init');
    saveCheckpoint(init, { model, tokenizer: tok });
    model.dispose();
    const rng = new Rng(2);
    const prompts: GrpoPrompt[] = [{ id: 'a', pixels: Float32Array.from({ length: 256 }, () => rng.next()), prompt: promptIds(tok, 'Is there a pleural effusion?'), answer: 'yes', kind: 'short' }];
    const ablations = [
      { name: 'baseline', overrides: {} },
      { name: 'no r_coo, β = 0', overrides: { 'reward.coordinate': 'off', 'grpo.beta': 0 } },
    ];
    const started: string[] = [];
    const r1 = await runAblations({ base, init, prompts, outRoot: dir, ablations, quiet: true, onRunStart: (a) => started.push(a.name) });
    assert.deepEqual(r1.map((r) => r.name), ['baseline', 'no r_coo, β = 0']);
    assert.deepEqual(r1.map((r) => r.logs.length), [2, 2]);
    assert.ok(r1[0].logs.every((l) => l.kl !== null), 'β > 0 logs a KL');
    assert.ok(r1[1].logs.every((l) => l.kl === null && l.reward.coordinate.mean === 0), 'β = 0 has no KL; r_coo off is 0');
    assert.equal(ablationSlug('no r_coo, β = 0'), 'no-r-coo-0');
    const r2 = await runAblations({ base, init, prompts, outRoot: dir, ablations, quiet: true });
    assert.deepEqual(r2.map((r) => r.logs.map((l) => l.reward.total.mean)), r1.map((r) => r.logs.map((l) => l.reward.total.mean)), 'finished runs are read back');
  });
});
