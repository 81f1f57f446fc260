/**
 * The workbench's own labeler rules (src/labels/workbench-rules.ts), on sentences written for these
 * tests with the labels worked out by hand: for each rule the case it is for, its negated /
 * uncertain / historical neighbours, and what the upstream lists alone (NO_RULES) said instead.
 * Labels: 1 positive, 0 negative, -1 uncertain; an absent key is unmentioned.
 */
import assert from 'node:assert/strict';
import { labelReport } from '../../src/labels/chexpert.js';
import { ALL_RULES, NO_RULES, RULES } from '../../src/labels/workbench-rules.js';

const only = (name: string): Set<string> => new Set([name]);
const without = (name: string): Set<string> => new Set([...ALL_RULES].filter((r) => r !== name));

describe('labels: workbench rules, hand-worked sentences', () => {
  it('every rule has a unique name and a one-line reason', () => {
    const names = RULES.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    for (const r of RULES) assert.ok(r.reason.length > 20 && !r.reason.includes('\n'), r.name);
  });

  it('negated-list: "no A, B, C, or D" negates D beyond the 10-token window', () => {
    const s = 'No focal consolidation, suspicious pulmonary opacity, large pleural effusion, or pneumothorax is identified.';
    // "pneumothorax" is 12 tokens after "no"; effusion (9 tokens) is within the base window
    assert.deepEqual(labelReport(s), { Consolidation: 0, 'Lung Opacity': 0, 'Pleural Effusion': 0, Pneumothorax: 0, 'No Finding': 1 });
    // upstream alone: out of reach of "no", "suspicious"/"or" make it uncertain, and No Finding is left blank
    assert.deepEqual(labelReport(s, undefined, NO_RULES), { Consolidation: 0, 'Lung Opacity': 0, 'Pleural Effusion': 0, Pneumothorax: -1 });
    // a list that goes on after a new clause ("is seen …, and there is") is not negated: effusion 17 tokens on, no cue reaches it
    assert.deepEqual(labelReport('No pneumothorax or focal consolidation is seen in either lung on these views, and there is a small left pleural effusion.'),
      { Pneumothorax: 0, Consolidation: 0, 'Pleural Effusion': 1 });
    // the list ends at ";": what follows keeps its own uncertainty
    assert.deepEqual(labelReport('No pneumothorax, pleural effusion, or focal consolidation; possible mild atelectasis.'),
      { Pneumothorax: 0, 'Pleural Effusion': 0, Consolidation: 0, Atelectasis: -1 });
  });

  it('normal-list: "A, B, C and D are normal" reaches back over the whole list', () => {
    const s = 'The cardiomediastinal contours, lungs, pleura, osseous structures and visualized upper abdomen are normal.';
    // "contours" (Enlarged Cardiomediastinum's "contour") is 11 tokens before "are normal"
    assert.deepEqual(labelReport(s), { 'Enlarged Cardiomediastinum': 0, 'No Finding': 1 });
    assert.deepEqual(labelReport(s, undefined, NO_RULES), { 'Enlarged Cardiomediastinum': 1 });
  });

  it('no-change: "no significant change in X" and "X is not significantly changed" report X present', () => {
    assert.deepEqual(labelReport('No significant change in the small right pleural effusion.'), { 'Pleural Effusion': 1 });
    assert.deepEqual(labelReport('No significant change in the small right pleural effusion.', undefined, NO_RULES), { 'Pleural Effusion': 0, 'No Finding': 1 });
    assert.deepEqual(labelReport('The right pneumothorax is not significantly changed.'), { Pneumothorax: 1 });
    // a plain negation is still one
    assert.deepEqual(labelReport('No pneumothorax. No new pleural effusion.'), { Pneumothorax: 0, 'Pleural Effusion': 0, 'No Finding': 1 });
    // "no change in the heart size": not a negation of the heart, and no enlargement word (anatomy-needs-abnormality)
    assert.deepEqual(labelReport('No pneumothorax; no change in the heart size.'), { Pneumothorax: 0, 'No Finding': 1 });
  });

  it('anatomy-needs-abnormality and heart-word: the heart or mediastinum named without an abnormality is no finding', () => {
    assert.deepEqual(labelReport('Heart size is stable. The mediastinum is unchanged.'), { 'No Finding': 1 });
    assert.deepEqual(labelReport('Heart size is stable. The mediastinum is unchanged.', undefined, NO_RULES), { Cardiomegaly: 1, 'Enlarged Cardiomediastinum': 1 });
    assert.deepEqual(labelReport('The heart is mildly enlarged.'), { Cardiomegaly: 1 });
    // negated anatomy mentions stay negative labels
    assert.deepEqual(labelReport('Heart size is normal.'), { Cardiomegaly: 0, 'No Finding': 1 });
    // uncertain: "borderline" is both an abnormality word and an uncertainty cue
    assert.deepEqual(labelReport('Borderline heart size.'), { Cardiomegaly: -1 });
    // the bare word "heart" (heart-word) counts only beside an enlargement word
    assert.deepEqual(labelReport('Heart is slightly large.'), { Cardiomegaly: 1 });
    assert.deepEqual(labelReport('Heart is slightly large.', undefined, without('heart-word')), { 'No Finding': 1 });
    // … so "no heart failure" says nothing about heart size
    assert.deepEqual(labelReport('No heart failure.'), { Edema: 0, 'No Finding': 1 });
    // a widened mediastinum is a finding
    assert.deepEqual(labelReport('The mediastinum is widened.'), { 'Enlarged Cardiomediastinum': 1 });
  });

  it('device rules: leads and tips are devices, normality words do not negate them, look-alike words are no devices', () => {
    // device-not-normal: "normal" 6 tokens after "leads" judges the silhouette; the silhouette itself is negated ("normal size of the")
    assert.deepEqual(labelReport('Overlying external cardiac monitor leads show normal size of the cardiac silhouette.'),
      { 'Support Devices': 1, Cardiomegaly: 0, 'No Finding': 1 });
    assert.deepEqual(labelReport('Overlying external cardiac monitor leads show normal size of the cardiac silhouette.', undefined, without('device-not-normal')),
      { 'Support Devices': 0, Cardiomegaly: 0, 'No Finding': 1 });
    // device-tip: the device word was de-identified
    assert.deepEqual(labelReport('Right chest XXXX tip in the low SVC.'), { 'Support Devices': 1, 'No Finding': 1 });
    assert.deepEqual(labelReport('Right chest XXXX tip in the low SVC.', undefined, NO_RULES), { 'No Finding': 1 });
    // explicit negation and removal still negate a device (historical: "status post removal")
    assert.deepEqual(labelReport('No PICC line is seen.'), { 'Support Devices': 0, 'No Finding': 1 });
    assert.deepEqual(labelReport('Status post removal of the right chest tube.'), { 'Support Devices': 0, 'No Finding': 1 });
    // not-a-device-word: "plate" in "endplate", "tube" in "tuberculosis"; "degenera" is an upstream other finding
    assert.deepEqual(labelReport('Mild degenerative endplate changes of the thoracic spine.'), {});
    assert.deepEqual(labelReport('Mild degenerative endplate changes of the thoracic spine.', undefined, NO_RULES), { 'Support Devices': 1 });
    assert.deepEqual(labelReport('Correlate for possible tuberculosis exposure.'), { 'No Finding': 1 });
    // more-devices and not-an-implant
    assert.deepEqual(labelReport('Right humeral prosthesis.'), { 'Support Devices': 1, 'No Finding': 1 });
    assert.deepEqual(labelReport('Bilateral breast prostheses.'), { 'No Finding': 1 });
  });

  it('congestion-phrasing: congestion, engorged vessels and Kerley B lines are edema', () => {
    // positive "congestion" beats the negated "edema"
    assert.deepEqual(labelReport('Mild congestion without edema.'), { Edema: 1 });
    assert.deepEqual(labelReport('Mild congestion without edema.', undefined, NO_RULES), { Edema: 0, 'No Finding': 1 });
    assert.deepEqual(labelReport('The pulmonary vessels are engorged.'), { Edema: 1 });
    assert.deepEqual(labelReport('The central pulmonary vasculature is not engorged.'), { Edema: 0, 'No Finding': 1 });
    // "lines" of "B lines" is no device (not-a-device-word)
    assert.deepEqual(labelReport('Kerley B lines at the bases.'), { Edema: 1 });
    assert.deepEqual(labelReport('Kerley B lines at the bases.', undefined, NO_RULES), { 'Support Devices': 1, 'No Finding': 1 });
  });

  it('more-other-findings: low lung volumes and spondylosis are findings outside the 14 (No Finding left blank)', () => {
    assert.deepEqual(labelReport('Low lung volumes. Lungs are clear.'), {});
    assert.deepEqual(labelReport('Low lung volumes. Lungs are clear.', undefined, NO_RULES), { 'No Finding': 1 });
    assert.deepEqual(labelReport('Thoracic spondylosis.', undefined, only('more-other-findings')), {});
    // negated, they do not count
    assert.deepEqual(labelReport('No spondylosis.'), { 'No Finding': 1 });
  });

  it('sensitivity-disclaimer: "fractures may not be demonstrated" suspects nothing; a suspected or old fracture still counts', () => {
    const s = 'Please note that fractures may not be demonstrated on chest radiographs.';
    assert.deepEqual(labelReport(s), { 'No Finding': 1 });
    // upstream alone: "may not" is a pre-negation uncertainty cue
    assert.deepEqual(labelReport(s, undefined, NO_RULES), { Fracture: -1 });
    assert.deepEqual(labelReport('A rib fracture may be present.'), { Fracture: -1 });
    // historical: healed fractures are fractures to CheXpert; "no acute fracture" negates
    assert.deepEqual(labelReport('Old healed left rib fractures.'), { Fracture: 1 });
    assert.deepEqual(labelReport('No acute fracture.'), { Fracture: 0, 'No Finding': 1 });
  });

  it('phrase rules match at word boundaries: "tip" is not inside "multiple", "leads" not inside "misleads"', () => {
    assert.deepEqual(labelReport('Multiple calcified granulomas.', undefined, only('device-tip')), {});
    assert.deepEqual(labelReport('This misleads.', undefined, only('device-leads')), { 'No Finding': 1 });
  });
});
