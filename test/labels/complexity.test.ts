/**
 * The CheXpert-style labeler is near-linear in the length of a report (issue 20): the NegEx stage
 * scanned every occurrence of a cue per mention (quadratic on text without punctuation: time(4n) /
 * time(n) was 14–18 at 40k characters and grew with n); the mention lookup scanned every token.
 * Sizes of 160k characters and up: below about 100k, V8's young-generation garbage collection
 * takes a one-off step (×4 for ×2) that is not the code's growth.
 */
import { findMentions, labelReport } from '../../src/labels/chexpert.js';
import { assertNearLinear, repeatTo } from '../metrics/time-ratio.js';

describe('labels: near-linear time in the length of a report (time ratios, no wall-clock limits)', () => {
  it('unpunctuated report text', () => {
    const text = repeatTo('no pleural effusion or pneumothorax the heart is normal in size there is mild atelectasis likely scarring no acute fracture lungs are clear ');
    assertNearLinear('labelReport(unpunctuated)', (s) => labelReport(s), text, 160_000);
  });
  it('long negated lists, disjunctions and many negation cues', () => {
    assertNearLinear('labelReport(no effusion, …)', (s) => labelReport(s), repeatTo('no effusion, '), 160_000);
    assertNearLinear('labelReport(effusion or …)', (s) => labelReport(s), repeatTo('effusion or '), 160_000);
    assertNearLinear('findMentions(no change in the effusion …)', (s) => findMentions(s), repeatTo('no significant change in the effusion and the heart '), 160_000);
  });
  it('one very long token and a run of sentence ends', () => {
    assertNearLinear('labelReport(effusioneffusion…)', (s) => labelReport(s), repeatTo('effusion'), 200_000);
    assertNearLinear('labelReport(. . .)', (s) => labelReport(s), repeatTo('. '), 200_000);
  });
});
