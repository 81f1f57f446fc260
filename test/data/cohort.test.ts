import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildCohort, readStudies, type FindingMeta } from '../../src/data/cohort.js';
import { CHEXPERT_OBSERVATIONS, type Study } from '../../src/data/types.js';
import { main } from '../../src/cli.js';

describe('synthetic cohort', function () {
  let root: string;
  let studies: Study[];
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'dm-cohort-'));
    studies = (await buildCohort(join(root, 'a'), { n: 24, seed: 7, quiet: true })).studies;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('same seed gives byte-identical files; another seed differs', async () => {
    await buildCohort(join(root, 'b'), { n: 24, seed: 7, quiet: true });
    const files = readdirSync(join(root, 'a', 'images')).sort();
    assert.equal(files.length, 24);
    for (const f of ['studies.jsonl', 'manifest.json', ...files.map((x) => `images/${x}`)]) {
      assert.ok(readFileSync(join(root, 'a', f)).equals(readFileSync(join(root, 'b', f))), `${f} differs`);
    }
    await buildCohort(join(root, 'c'), { n: 3, seed: 8, quiet: true });
    assert.notEqual(readFileSync(join(root, 'c', 'studies.jsonl'), 'utf8').slice(0, 400), readFileSync(join(root, 'a', 'studies.jsonl'), 'utf8').slice(0, 400));
  });

  it('a smaller cohort of the same seed is a prefix of a larger one', async () => {
    await buildCohort(join(root, 'd'), { n: 5, seed: 7, quiet: true });
    const small = readStudies(join(root, 'd')).studies;
    assert.deepEqual(small, studies.slice(0, 5));
  });

  it('images are 512x512 greyscale PNGs and leaves no temporary directory', async () => {
    const m = await sharp(join(root, 'a', studies[0].image)).metadata();
    assert.equal(m.format, 'png');
    assert.equal(m.width, 512);
    assert.equal(m.height, 512);
    assert.equal(m.channels, 1);
    assert.deepEqual(readdirSync(root).filter((n) => n.includes('.tmp-')), []);
  });

  it('studies follow the command-line contract', () => {
    for (const s of studies) {
      for (const k of ['id', 'image', 'sex', 'age', 'view', 'labels', 'boxes', 'findings', 'impression']) assert.ok(k in s, `${s.id} lacks ${k}`);
      for (const [k, v] of Object.entries(s.labels)) {
        assert.ok((CHEXPERT_OBSERVATIONS as readonly string[]).includes(k), k);
        assert.ok([1, 0, -1].includes(v as number));
      }
      for (const b of s.boxes) {
        assert.ok(b.box[0] >= 0 && b.box[1] >= 0 && b.box[2] <= 512 && b.box[3] <= 512 && b.box[0] < b.box[2] && b.box[1] < b.box[3], `${s.id} ${JSON.stringify(b)}`);
      }
      assert.ok(s.findings.length > 20 && s.impression.length > 10);
    }
  });

  it('labels agree with the drawn truth and the report text', () => {
    const expect: Record<string, [string, RegExp]> = {
      cardiomegaly: ['Cardiomegaly', /cardiomegaly|heart is \w+ly enlarged|enlargement of the cardiac/i],
      'pleural-effusion': ['Pleural Effusion', /pleural effusion/i],
      pneumothorax: ['Pneumothorax', /pneumothorax/i],
      consolidation: ['Consolidation', /consolidation/i],
      edema: ['Edema', /edema/i],
      nodule: ['Lung Lesion', /nodul/i],
      mass: ['Lung Lesion', /mass/i],
      'rib-fracture': ['Fracture', /rib fracture|fracture of the/i],
      pacemaker: ['Support Devices', /pacemaker/i],
    };
    let checked = 0;
    for (const s of studies) {
      const meta = (s.meta!.findings as FindingMeta[]);
      const pathology = meta.some((f) => !['endotracheal-tube', 'central-line', 'pacemaker', 'enteric-tube'].includes(f.kind));
      assert.equal(s.labels['No Finding'] === 1, !pathology, `${s.id}: No Finding ${s.labels['No Finding']} vs pathology ${pathology}`);
      for (const f of meta) {
        const e = expect[f.kind];
        if (!e) continue;
        checked++;
        // Edema may be reported with a hedge ("compatible with"): uncertain (-1), never negative or blank.
        const want = f.kind === 'edema' ? [1, -1] : [1];
        assert.ok(want.includes(s.labels[e[0] as keyof Study['labels']] as number), `${s.id}: ${f.kind} drawn but ${e[0]} = ${s.labels[e[0] as keyof Study['labels']]}`);
        assert.match(s.findings, e[1], `${s.id}: ${f.kind} missing from findings`);
      }
      // A pertinent negative is never said about something that is drawn.
      if (/no pleural effusion|no pneumothorax or pleural effusion/i.test(s.findings)) assert.ok(!meta.some((f) => f.kind === 'pleural-effusion'));
    }
    assert.ok(checked > 10, `only ${checked} findings checked`);
  });

  it('laterality: the patient right is the image left', () => {
    let n = 0;
    for (const s of studies) {
      for (const f of s.meta!.findings as FindingMeta[]) {
        if (f.side !== 'right' && f.side !== 'left') continue;
        if (['pacemaker', 'central-line'].includes(f.kind)) continue;
        const cx = (f.boxes[0][0] + f.boxes[0][2]) / 2;
        assert.ok(f.side === 'right' ? cx < 256 : cx > 256, `${s.id} ${f.kind} ${f.side} box centre x=${cx}`);
        assert.match(s.findings, new RegExp(f.side, 'i'));
        n++;
      }
    }
    assert.ok(n > 5);
  });

  it('readStudies refuses an incomplete cohort, bad rows and escaping paths, naming file and line', () => {
    const dir = join(root, 'bad');
    rmSync(dir, { recursive: true, force: true });
    const lines = readFileSync(join(root, 'a', 'studies.jsonl'), 'utf8').trim().split('\n');
    const mk = (rows: string[], manifestN?: number) => {
      rmSync(dir, { recursive: true, force: true });
      require_mkdir(dir);
      writeFileSync(join(dir, 'studies.jsonl'), rows.join('\n') + '\n');
      if (manifestN !== undefined) writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ kind: 'deepmedix-synthetic-cohort', n: manifestN }));
    };
    mk(lines.slice(0, 3), 24);
    assert.throws(() => readStudies(dir), /manifest says 24 studies but the file has 3/);
    const esc = JSON.parse(lines[1]);
    esc.image = '../../etc/passwd';
    mk([lines[0], JSON.stringify(esc), lines[2]]);
    assert.throws(() => readStudies(dir), /studies\.jsonl:2: image path '\.\.\/\.\.\/etc\/passwd' escapes the dataset root/);
    const badBox = JSON.parse(lines[2]);
    badBox.boxes = [{ finding: 'Nodule', box: [10, 10, 600, 20] }];
    mk([lines[0], lines[1], JSON.stringify(badBox), '{not json']);
    assert.throws(() => readStudies(dir), /studies\.jsonl:4: malformed JSON/);
    const r = readStudies(dir, { lenient: true });
    assert.equal(r.studies.length, 2);
    assert.equal(r.skipped.length, 2);
    assert.match(r.skipped.map((x) => x.error).join('\n'), /studies\.jsonl:3: boxes\[0\] \[10,10,600,20\] lies outside the 512-pixel frame/);
  });

  it('`deepmedix cohort` writes the contract files', async () => {
    const out = join(root, 'cli');
    const code = await main(['cohort', '--n', '3', '--seed', '7', '--out', out, '--quiet']);
    assert.equal(code, 0);
    assert.ok(existsSync(join(out, 'studies.jsonl')) && existsSync(join(out, 'manifest.json')));
    assert.ok(readFileSync(join(out, 'studies.jsonl')).equals(readFileSync(join(root, 'd', 'studies.jsonl')).subarray(0, readFileSync(join(out, 'studies.jsonl')).length)));
  });
});

import { mkdirSync } from 'node:fs';
function require_mkdir(d: string) {
  mkdirSync(d, { recursive: true });
}
