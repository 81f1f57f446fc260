import assert from 'node:assert/strict';
import { rewardProbes, REWARD_VARIANTS, scoreProbes } from '../../src/rewards/probes.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('reward probes', () => {
  const base = '<think>Heart enlarged [100, 120, 400, 380].</think> The answer is \\boxed{yes}';
  const probes = rewardProbes(base);
  const scores = scoreProbes(probes, 'yes', 'short');
  const byName = new Map(scores.map((s) => [s.probe, s]));
  const v = (name: string) => REWARD_VARIANTS.findIndex((x) => x.name === name);

  it('the cap stops paying for extra boxes; the floor keeps paying (hand-worked)', () => {
    // as written: 0.9·1.5 + 0.1 + 0.05 = 1.5; +10 boxes: 11 boxes -> cap 0.15, floor 0.55
    close(byName.get('as written')!.totals[v('paper code (default)')], 1.5);
    close(byName.get('+10 boxes (spam)')!.totals[v('paper code (default)')], 1.35 + 0.1 + 0.15);
    close(byName.get('+10 boxes (spam)')!.totals[v('r_coo floor (paper formula)')], 1.35 + 0.1 + 0.55);
    close(byName.get('+1 box beyond the frame')!.parts.coordinate, 0.05 - 0.2);
  });

  it('format and answer edits lose what the rules say they lose', () => {
    assert.equal(byName.get('no think block')!.parts.format, 0);
    assert.equal(byName.get('no think block')!.parts.coordinate, 0);
    assert.equal(byName.get('answer not in \\boxed{}')!.parts.answer, 0); // extracted answer is 'None'
    assert.equal(byName.get('empty \\boxed{}')!.parts.answer, 0);
    close(byName.get('spaced tags')!.totals[0], 1.5); // normalized before scoring
    close(byName.get('no think block')!.totals[v('no r_form')], 1.5); // r_ans keeps full weight
  });
});
