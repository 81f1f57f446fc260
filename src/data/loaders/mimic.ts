/**
 * MIMIC-CXR-JPG: `mimic-cxr-2.0.0-metadata.csv`, `-split.csv`, `-chexpert.csv` or `-negbio.csv`
 * (plain or .gz) and the report files `files/pXX/pSUBJECT/sSTUDY.txt` (MIMIC-CXR), with an optional
 * MIMIC-IV `patients.csv` for sex and anchor age. One Study per imaging study, on its frontal image
 * (PA preferred, then AP); studies with no frontal image are skipped and counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHEXPERT_OBSERVATIONS, type Labels, type Study } from '../types.js';
import { resolveInside } from '../safe-path.js';
import { DataError, guard, readCsv, type Loaded, type LoaderOptions } from './common.js';
import { extractSections } from './sections.js';

export interface MimicOptions extends LoaderOptions {
  /** Label file: 'chexpert' (default) or 'negbio'. */
  labeler?: 'chexpert' | 'negbio';
  /** Directory holding `files/…/sSTUDY.txt` reports (default: the dataset root). */
  reportsRoot?: string;
  /** MIMIC-IV patients.csv (subject_id, gender, anchor_age) for sex and age. */
  patientsCsv?: string;
  /** Keep only these splits ('train', 'validate', 'test'). */
  splits?: string[];
  /** Require image files to exist (default false: metadata may be used without images). */
  checkFiles?: boolean;
}

/** CheXpert/NegBio label cell: '1.0' -> 1, '0.0' -> 0, '-1.0' -> -1, '' -> not mentioned. */
export function labelCell(file: string, line: number, col: string, v: string): 1 | 0 | -1 | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  const x = Number(t);
  if (x === 1 || x === 0 || x === -1) return x;
  throw new DataError(file, line, `column '${col}': expected 1.0, 0.0, -1.0 or blank, got '${v}'`);
}

/** Path of an image or report under files/: p10/p10000032/s50414267/… */
export function mimicDir(subject: string, study: string): string {
  return `files/p${subject.slice(0, 2)}/p${subject}/s${study}`;
}

export function loadMimicCxr(root: string, opts: MimicOptions = {}): Loaded<Study> & { noFrontal: number } {
  const metaFile = join(root, 'mimic-cxr-2.0.0-metadata.csv');
  const splitFile = join(root, 'mimic-cxr-2.0.0-split.csv');
  const labelFile = join(root, `mimic-cxr-2.0.0-${opts.labeler ?? 'chexpert'}.csv`);
  const meta = readCsv(metaFile, ['dicom_id', 'subject_id', 'study_id', 'ViewPosition'], opts);
  const split = readCsv(splitFile, ['dicom_id', 'study_id', 'subject_id', 'split'], opts);
  const lab = readCsv(labelFile, ['subject_id', 'study_id', ...CHEXPERT_OBSERVATIONS], opts);
  const skipped = [...meta.skipped, ...split.skipped, ...lab.skipped];
  const splitOf = new Map(split.rows.map((r) => [r.get('dicom_id'), r.get('split')]));
  const labelsOf = new Map<string, Labels>();
  for (const r of lab.rows) {
    guard(labelFile, r.line, opts.lenient, skipped, () => {
      const l: Labels = {};
      for (const o of CHEXPERT_OBSERVATIONS) {
        const v = labelCell(labelFile, r.line, o, r.get(o));
        if (v !== undefined) l[o] = v;
      }
      labelsOf.set(r.get('study_id'), l);
    });
  }
  const demo = new Map<string, { sex: 'M' | 'F'; age: number }>();
  if (opts.patientsCsv) {
    const p = readCsv(opts.patientsCsv, ['subject_id', 'gender', 'anchor_age'], opts);
    skipped.push(...p.skipped);
    for (const r of p.rows) {
      guard(opts.patientsCsv, r.line, opts.lenient, skipped, () => {
        const g = r.get('gender');
        if (g !== 'M' && g !== 'F') throw new DataError(opts.patientsCsv!, r.line, `column 'gender': expected M or F, got '${g}'`);
        const age = Number(r.get('anchor_age'));
        if (!Number.isFinite(age)) throw new DataError(opts.patientsCsv!, r.line, `column 'anchor_age': expected a number, got '${r.get('anchor_age')}'`);
        demo.set(r.get('subject_id'), { sex: g, age });
      });
    }
  }
  // Pick each study's frontal image: PA first, then AP.
  const best = new Map<string, { dicom: string; subject: string; view: 'PA' | 'AP'; line: number }>();
  const studiesSeen = new Set<string>();
  for (const r of meta.rows) {
    const study = r.get('study_id');
    const subject = r.get('subject_id');
    if (!/^\d+$/.test(study) || !/^\d+$/.test(subject)) {
      const err = new DataError(metaFile, r.line, `subject_id/study_id must be integers, got '${subject}'/'${study}'`);
      if (!opts.lenient) throw err;
      skipped.push({ file: metaFile, line: r.line, error: err.message });
      continue;
    }
    studiesSeen.add(study);
    const v = r.get('ViewPosition');
    if (v !== 'PA' && v !== 'AP') continue;
    const cur = best.get(study);
    if (!cur || (cur.view === 'AP' && v === 'PA')) best.set(study, { dicom: r.get('dicom_id'), subject, view: v, line: r.line });
  }
  const reportsRoot = opts.reportsRoot ?? root;
  const items: Study[] = [];
  for (const [study, b] of best) {
    const s = guard(metaFile, b.line, opts.lenient, skipped, () => {
      const sp = splitOf.get(b.dicom);
      if (sp === undefined) throw new DataError(metaFile, b.line, `dicom ${b.dicom} is missing from ${splitFile}`);
      if (opts.splits && !opts.splits.includes(sp)) return null;
      const image = `${mimicDir(b.subject, study)}/${b.dicom}.jpg`;
      const full = resolveInside(root, image);
      if (opts.checkFiles && !existsSync(full)) throw new DataError(metaFile, b.line, `image ${image} not found under ${root}`);
      const reportPath = join(reportsRoot, `${mimicDir(b.subject, study)}.txt`);
      let findings = '';
      let impression = '';
      if (existsSync(reportPath)) ({ findings, impression } = extractSections(readFileSync(reportPath, 'utf8')));
      const d = demo.get(b.subject);
      const rec: Study = {
        id: `mimic-${study}`,
        patientId: `mimic-${b.subject}`,
        image,
        frame: 512,
        sex: d?.sex ?? 'U',
        age: d?.age ?? -1,
        view: b.view,
        labels: labelsOf.get(study) ?? {},
        boxes: [],
        findings,
        impression,
        source: 'mimic',
        meta: { split: sp, dicomId: b.dicom, studyId: study, subjectId: b.subject, report: existsSync(reportPath), ageIsAnchorAge: Boolean(d) },
      };
      return rec;
    });
    if (s) items.push(s);
  }
  return { items, skipped, noFrontal: studiesSeen.size - best.size };
}
