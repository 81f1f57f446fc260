import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithShared } from '../helpers.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';
import { loadNih } from '../../src/data/loaders/nih.js';
import { loadOpenIKaggle, loadOpenIXml, loadR2GenSplit, openIToStudies } from '../../src/data/loaders/openi.js';
import { verifyImages } from '../../src/data/loaders/verify.js';
import { buildInstructions } from '../../src/data/instructions.js';

// Counts made independently by test/fixtures/data/shared_counts.py (Python csv/json/tarfile/re).
const REF = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'data', 'shared_counts.json'), 'utf8'));

describeWithShared('NIH ChestX-ray14 loader on the shared sample', ['data', 'nih-cxr'], (root) => {
  const { items, skipped } = loadNih(root);
  it('reads every row with the reference counts', () => {
    assert.equal(skipped.length, 0);
    assert.equal(items.length, REF.nih.rows);
    assert.equal(new Set(items.map((s) => s.patientId)).size, REF.nih.patients);
    const counts: Record<string, number> = {};
    for (const s of items) for (const l of s.meta!.nihLabels as string[]) counts[l] = (counts[l] ?? 0) + 1;
    assert.deepEqual(counts, REF.nih.labels);
    assert.equal(items.filter((s) => s.view === 'PA').length, REF.nih.views.PA);
    assert.equal(items.filter((s) => s.sex === 'F').length, REF.nih.sex.F);
    assert.equal(items.filter((s) => s.boxes.length).length, REF.nih.images_with_boxes);
    assert.equal(items.filter((s) => s.labels['Pleural Effusion'] === 1).length, REF.nih.labels.Effusion);
    assert.equal(items.filter((s) => s.labels['No Finding'] === 1).length, REF.nih.labels['No Finding']);
  });
  it('every image decodes, and the studies feed the VQA and grounding builders', async () => {
    const { ok, bad } = await verifyImages(items, root);
    assert.equal(bad.length, 0);
    assert.equal(ok.length, items.length);
    const recs = buildInstructions(items, { seed: 1, tasks: ['vqa', 'grounding'], vqaPerStudy: 2 });
    assert.equal(recs.filter((r) => r.task === 'grounding').length, items.reduce((t, s) => t + s.boxes.length, 0));
    assert.ok(recs.filter((r) => r.task === 'vqa').every((r) => r.frame === 256 && r.images[0].startsWith('images/')));
    const gender = recs.filter((r) => r.questionType === 'gender');
    assert.ok(gender.length > 20 && gender.every((r) => r.answer === (items.find((s) => s.id === r.studyId)!.sex === 'M' ? 'male' : 'female')));
  });
});

describeWithShared('Open-I loaders on the shared reports', ['data', 'iu-xray'], (root) => {
  const xml = loadOpenIXml(join(root, 'NLMCXR_reports.tgz'));
  const kaggle = loadOpenIKaggle(join(root, 'indiana_reports.csv'), join(root, 'indiana_projections.csv'));
  it('the XML archive: every report, with the reference counts and the first report verbatim', () => {
    assert.equal(xml.skipped.length, 0);
    assert.equal(xml.items.length, REF.openi_xml.reports);
    assert.equal(xml.items.filter((r) => r.findings).length, REF.openi_xml.with_findings);
    assert.equal(xml.items.filter((r) => r.impression).length, REF.openi_xml.with_impression);
    const one = xml.items.find((r) => r.uid === '1')!;
    assert.equal(one.findings, REF.openi_xml.uid1.findings);
    assert.equal(one.impression, REF.openi_xml.uid1.impression);
    assert.deepEqual(one.images, REF.openi_xml.uid1.images);
  });
  it('the Kaggle tables agree with the XML report by report', () => {
    assert.equal(kaggle.skipped.length, 0);
    assert.equal(kaggle.items.length, REF.openi_kaggle.reports);
    assert.equal(kaggle.items.reduce((t, r) => t + r.images.length, 0), REF.openi_kaggle.projections);
    const byUid = new Map(kaggle.items.map((r) => [r.uid, r]));
    let sameFindings = 0;
    let sameImpression = 0;
    for (const r of xml.items) {
      const k = byUid.get(r.uid);
      if (k?.findings === r.findings) sameFindings++;
      if (k?.impression === r.impression) sameImpression++;
    }
    assert.ok(sameFindings / xml.items.length > 0.99, `findings agree for ${sameFindings}/${xml.items.length}`);
    assert.ok(sameImpression / xml.items.length > 0.99, `impressions agree for ${sameImpression}/${xml.items.length}`);
  });
  it('the R2Gen split covers the reports with the reference sizes', () => {
    const split = loadR2GenSplit(join(root, 'r2gen_annotation.json'));
    for (const s of ['train', 'val', 'test'] as const) assert.equal([...split.values()].filter((v) => v === s).length, REF.r2gen[s]);
    const studies = openIToStudies(kaggle.items);
    assert.ok(studies.every((s) => split.has(s.id.replace('openi-', ''))));
  });
});
