import assert from 'node:assert/strict';
import { initBackend } from '../../../src/backend.js';
import { DEFAULT_REWARD_SPEC } from '../../../src/rewards/compose.js';
import { edgeOfCompetence } from '../../../src/train/grpo/edge.js';
import type { GrpoPrompt } from '../../../src/train/grpo/policy.js';
import { Rng } from '../../../src/util/rng.js';
import { CANNED, CannedPolicy } from './canned-policy.js';

describe('RL prompts at the edge of competence', () => {
  before(async () => {
    await initBackend({ log: null });
  });

  it("keeps prompts the starting model sometimes solves, drops those it never (or always) solves", () => {
    // The uniform canned policy answers 'yes' in one of four responses and 'no' in two: a 'yes'
    // prompt is solved now and then, a 'maybe' prompt never.
    const prompts: GrpoPrompt[] = ['yes', 'maybe', 'yes'].map((answer, i) => ({ id: `p${i}`, pixels: new Float32Array(0), prompt: [], answer, kind: 'short' }));
    const policy = new CannedPolicy();
    const o = { samples: 16, low: 0.05, high: 0.95, temperature: 1, topP: 1, maxNewTokens: 4, batch: 2, spec: DEFAULT_REWARD_SPEC };
    const { kept, scores } = edgeOfCompetence(policy, prompts, { ...o, rng: new Rng(1) });
    assert.deepEqual(kept.map((p) => p.id), ['p0', 'p2']);
    assert.equal(scores.find((s) => s.id === 'p1')!.passRate, 0);
    for (const s of scores.filter((x) => x.id !== 'p1')) assert.ok(s.passRate > 0 && s.passRate < 1 && s.spread);
    // With the band [1, 1] nothing is kept: no prompt is solved in every sample.
    assert.deepEqual(edgeOfCompetence(policy, prompts, { ...o, low: 1, high: 1, rng: new Rng(1) }).kept, []);
    assert.ok(CANNED[0].includes('\\boxed{yes}'));
    policy.logits.dispose();
  });
});
