import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/util/paths.js';
import { parseCsv, readCsv } from '../../src/data/loaders/common.js';
import { loadNih, nihLabels } from '../../src/data/loaders/nih.js';
import { loadOpenIKaggle, loadOpenIXml, openIToStudies, parseOpenIXml } from '../../src/data/loaders/openi.js';
import { loadMimicCxr } from '../../src/data/loaders/mimic.js';
import { extractSections } from '../../src/data/loaders/sections.js';
import { loadMsCxr, msCxrGrounding, toFrame } from '../../src/data/loaders/mscxr.js';
import { loadCxrVqa, loadExtVqa } from '../../src/data/loaders/vqa-sets.js';
import { verifyImages } from '../../src/data/loaders/verify.js';
import { resolveInside } from '../../src/data/safe-path.js';

const FX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');

describe('CSV reader', () => {
  it('handles quotes, doubled quotes, line breaks in fields and CRLF, keeping start lines', () => {
    const recs = parseCsv('a,b\r\n1,"x, ""y""\nz"\r\n2,\n', 'f.csv');
    assert.deepEqual(recs, [
      { line: 1, values: ['a', 'b'] },
      { line: 2, values: ['1', 'x, "y"\nz'] },
      { line: 4, values: ['2', ''] },
    ]);
    assert.throws(() => parseCsv('a\n"open', 'f.csv'), /f\.csv:2: unterminated quoted field/);
  });
  it('names a missing column and a short row', () => {
    assert.throws(() => readCsv(join(FX, 'nih', 'boxes.csv'), ['image', 'width']), /boxes\.csv:1: missing column 'width'/);
    assert.throws(() => readCsv(join(FX, 'bad', 'nih-labels.csv'), ['image']), /nih-labels\.csv:5: expected 6 fields, found 4/);
  });
});

describe('dataset paths', () => {
  it('rejects paths escaping the dataset root, and absolute paths', () => {
    assert.equal(resolveInside('/data/x', 'images/a.png'), '/data/x/images/a.png');
    assert.throws(() => resolveInside('/data/x', 'images/../../y/a.png'), /escapes the dataset root/);
    assert.throws(() => resolveInside('/data/x', '/etc/passwd'), /is absolute/);
  });
});

describe('NIH ChestX-ray14 loader (fixture)', () => {
  it('reads studies, CheXpert-mapped labels and boxes', () => {
    const { items, skipped } = loadNih(join(FX, 'nih'));
    assert.equal(skipped.length, 0);
    assert.equal(items.length, 3);
    const [a, b, c] = items;
    assert.equal(a.id, 'nih-00000001_000');
    assert.equal(a.patientId, 'nih-1');
    assert.equal(b.patientId, 'nih-1');
    assert.deepEqual([a.sex, a.age, a.view, b.view, c.sex], ['M', 58, 'PA', 'AP', 'F']);
    assert.equal(a.labels.Cardiomegaly, 1);
    assert.equal(a.labels['Pleural Effusion'], 1);
    assert.equal(a.labels.Pneumothorax, 0);
    assert.equal(b.labels['No Finding'], 1);
    assert.equal(c.labels['Lung Lesion'], 1);
    assert.equal(c.labels['Lung Opacity'], 1);
    assert.deepEqual(a.boxes, [{ finding: 'Cardiomegaly', box: [80.5, 100, 200.25, 190] }]);
    assert.deepEqual(c.boxes, [{ finding: 'Nodule', box: [30, 40, 45.5, 52] }]);
    assert.deepEqual(c.meta!.nihLabels, ['Nodule', 'Emphysema', 'Infiltration']);
  });
  it('maps labels as worked by hand', () => {
    assert.deepEqual(nihLabels(['Hernia']), { Atelectasis: 0, Cardiomegaly: 0, Consolidation: 0, Edema: 0, 'Pleural Effusion': 0, Pneumonia: 0, Pneumothorax: 0 });
    assert.equal(nihLabels(['Mass', 'Pneumothorax']).Pneumothorax, 1);
  });
  it('bad rows: errors name file and line; --lenient skips and counts', () => {
    const opts = { labelsCsv: join(FX, 'bad', 'nih-labels.csv'), boxesCsv: join(FX, 'nih', 'none.csv') };
    assert.throws(() => loadNih(join(FX, 'nih'), opts), /nih-labels\.csv:5: expected 6 fields, found 4/);
    const r = loadNih(join(FX, 'nih'), { ...opts, lenient: true });
    assert.equal(r.items.length, 1);
    assert.equal(r.skipped.length, 3);
    const msgs = r.skipped.map((s) => s.error).join('\n');
    assert.match(msgs, /nih-labels\.csv:3: image path 'images\/\.\.\/\.\.\/\.\.\/etc\/passwd' escapes the dataset root/);
    assert.match(msgs, /nih-labels\.csv:4: column 'age': expected a number, got 'abc'/);
  });
  it('boxes rescale to another frame (256 -> 512 doubles them)', () => {
    const { items } = loadNih(join(FX, 'nih'), { scaleTo: 512 });
    assert.deepEqual(items[0].boxes, [{ finding: 'Cardiomegaly', box: [161, 200, 400.5, 380] }]);
    assert.equal(items[0].frame, 512);
  });
  it('a box outside the image is an error naming the line', () => {
    assert.throws(() => loadNih(join(FX, 'nih'), { frame: 50 }), /boxes\.csv:2: box \[80\.5, 100, 200\.25, 190\] lies outside the 50x50 image/);
  });
  it('corrupt or missing images are named (or skipped when lenient)', async () => {
    const { items } = loadNih(join(FX, 'nih'));
    assert.equal((await verifyImages(items, join(FX, 'nih'))).ok.length, 3);
    const broken = [{ ...items[0], id: 'x', image: 'corrupt.png' }, items[1]];
    await assert.rejects(verifyImages(broken, join(FX, 'bad')), /corrupt\.png: study x: cannot decode image/);
    const r = await verifyImages(broken, join(FX, 'bad'), { lenient: true });
    assert.equal(r.bad.length, 2); // the second study's image is not under bad/ at all
    assert.match(r.bad[1].error, /image file not found/);
  });
});

describe('Open-I loaders (fixture)', () => {
  it('parses ecgen XML: sections, entities, MeSH, images', () => {
    const { items } = loadOpenIXml(join(FX, 'openi', 'xml'));
    assert.deepEqual(items.map((r) => r.uid), ['7', '11']);
    const r = items[1];
    assert.equal(r.findings, 'The heart is normal in size. The lungs are clear. No pleural effusion <none>.');
    assert.equal(r.indication, 'Chest pain & dyspnea');
    assert.deepEqual(r.mesh, ['normal']);
    assert.deepEqual(r.images, ['CXR11_IM-0100-1001', 'CXR11_IM-0100-2001']);
    assert.equal(items[0].comparison, '');
    assert.deepEqual(items[0].mesh, ['Pleural Effusion/right/small', 'Cardiomegaly/mild', 'effusion']);
  });
  it('a truncated report is an error naming file and line; lenient skips it', () => {
    assert.throws(() => loadOpenIXml(join(FX, 'openi', 'bad-xml')), /9\.xml:5: unclosed <AbstractText Label="FINDINGS">/);
    assert.equal(loadOpenIXml(join(FX, 'openi', 'bad-xml'), { lenient: true }).skipped.length, 1);
    assert.throws(() => parseOpenIXml('<html/>', 'x.xml'), /x\.xml:1: no <eCitation> element/);
  });
  it('reads the Kaggle tables with projections (frontal first) and makes text-only studies', () => {
    const { items } = loadOpenIKaggle(join(FX, 'openi', 'indiana_reports.csv'), join(FX, 'openi', 'indiana_projections.csv'));
    assert.equal(items.length, 3);
    assert.equal(items[1].findings, 'The heart is normal in size. The lungs are clear, "no" effusion.');
    assert.deepEqual(items[1].images, ['11_IM-0100-1001.dcm.png', '11_IM-0100-2001.dcm.png']);
    assert.deepEqual(items[1].projections, ['Frontal', 'Lateral']);
    const studies = openIToStudies(items);
    assert.deepEqual(studies.map((s) => s.view), ['PA', 'U', 'AP']);
    assert.equal(studies[0].image, 'images/7_IM-0200-1001.dcm.png');
    assert.equal(studies[0].sex, 'U');
  });
});

describe('MIMIC-CXR-JPG loader (fixture)', () => {
  it('sections: FINDINGS / IMPRESSION and their synonyms', () => {
    const s = extractSections('FINAL REPORT\n INDICATION: x.\n FINDINGS:\n a\n b.\n IMPRESSION: c.');
    assert.deepEqual([s.findings, s.impression, s.all.INDICATION], ['a b.', 'c.', 'x.']);
    const t = extractSections(' FINDINGS AND IMPRESSION: Both here.');
    assert.deepEqual([t.findings, t.impression], ['Both here.', 'Both here.']);
  });
  it('one study per imaging study on its frontal image, with labels, split, report sections, demographics', () => {
    const r = loadMimicCxr(join(FX, 'mimic'), { patientsCsv: join(FX, 'mimic', 'patients.csv') });
    assert.equal(r.skipped.length, 0);
    assert.equal(r.noFrontal, 1);
    const byId = new Map(r.items.map((s) => [s.id, s]));
    assert.deepEqual([...byId.keys()].sort(), ['mimic-50000001', 'mimic-50000002', 'mimic-50000004']);
    const a = byId.get('mimic-50000001')!;
    assert.equal(a.image, 'files/p10/p10000001/s50000001/aaaa0001-pa.jpg');
    assert.equal(a.findings, 'The lungs are clear without consolidation. No pleural effusion or pneumothorax. Heart size is normal.');
    assert.equal(a.impression, 'No acute cardiopulmonary process.');
    assert.deepEqual(a.labels, { 'No Finding': 1 });
    assert.deepEqual([a.sex, a.age, a.view, a.meta!.split], ['F', 63, 'PA', 'train']);
    const b = byId.get('mimic-50000002')!;
    assert.equal(b.view, 'AP');
    assert.match(b.findings, /^Endotracheal tube terminates 4 cm above the carina\. Moderate cardiomegaly\./);
    assert.equal(b.impression, b.findings);
    assert.deepEqual(b.labels, { Atelectasis: -1, Cardiomegaly: 1, Edema: 0, 'Lung Opacity': 1, 'Pleural Effusion': 1, Pneumothorax: 0, 'Support Devices': 1 });
    const c = byId.get('mimic-50000004')!;
    assert.equal(c.image, 'files/p11/p11000002/s50000004/cccc0003-pa.jpg', 'PA preferred over AP');
    assert.equal(c.impression, 'Right lower lobe consolidation, concerning for pneumonia.');
    assert.equal(c.meta!.split, 'test');
    assert.equal(loadMimicCxr(join(FX, 'mimic'), { splits: ['test'] }).items.length, 1);
    assert.equal(loadMimicCxr(join(FX, 'mimic')).items[0].sex, 'U');
  });
});

describe('MS-CXR and the VQA sets (fixtures)', () => {
  it('MS-CXR phrases become grounding records with boxes in the 512 frame', () => {
    const { items } = loadMsCxr(join(FX, 'ms-cxr.csv'), join(FX, 'mimic'));
    assert.equal(items.length, 2);
    assert.deepEqual(items[0].boxOriginal, [300, 1800, 1000, 2400]);
    // x: 300 * 512 / 2544 = 60.38; y: 1800 * 512 / 3056 = 301.57; 1000 * 512 / 2544 = 201.26; 2400 * 512 / 3056 = 402.09
    assert.deepEqual(toFrame(items[0].boxOriginal, 2544, 3056, 512), [60.38, 301.57, 201.26, 402.09]);
    const g = msCxrGrounding(items);
    assert.equal(g[0].answer, '[60, 302, 201, 402]');
    assert.equal(g[0].patientId, 'mimic-11000002');
    assert.match(g[1].prompt, /"small left pleural effusion"/);
  });
  it('Ext-VQA JSON: content types, list answers, split filter', () => {
    const { items } = loadExtVqa(join(FX, 'vqa', 'ext-vqa.json'), { imagesRoot: join(FX, 'mimic') });
    assert.equal(items.length, 3);
    assert.deepEqual(items.map((r) => [r.questionType, r.answer, r.answerKind]), [
      ['presence', 'yes', 'short'],
      ['abnormality', 'atelectasis|lung opacity|pleural effusion', 'list'],
      ['gender', 'female', 'short'],
    ]);
    assert.equal(items[0].images[0], 'files/p11/p11000002/s50000004/cccc0003-pa.jpg');
    assert.equal(loadExtVqa(join(FX, 'vqa', 'ext-vqa.json'), { imagesRoot: join(FX, 'mimic'), splits: ['test'] }).items.length, 2);
  });
  it('CXR-VQA CSV: question types, comma/and lists, image from the dicom id', () => {
    const { items } = loadCxrVqa(join(FX, 'vqa', 'cxr-vqa.csv'), { imagesRoot: join(FX, 'mimic') });
    assert.deepEqual(items.map((r) => [r.questionType, r.answer, r.answerKind]), [
      ['location', 'right lower lobe', 'free'],
      ['abnormality', 'atelectasis|cardiomegaly|pleural effusion', 'list'],
      ['level', 'moderate', 'short'],
      ['view', 'pa', 'short'],
    ]);
    assert.equal(items[1].images[0], 'files/p10/p10000001/s50000002/bbbb0002-ap.jpg');
  });
  it('malformed VQA JSON names the line', () => {
    assert.throws(() => loadExtVqa(join(FX, 'openi', 'indiana_projections.csv'), { imagesRoot: FX }), /indiana_projections\.csv(:\d+)?: not valid JSON/);
  });
});
