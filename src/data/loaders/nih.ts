/**
 * NIH ChestX-ray14 (as in ../shared/data/nih-cxr): `labels.csv` (image, finding_labels joined by
 * `|`, patient_id, age, sex, view, …), `boxes.csv` (image, finding, x_min, y_min, x_max, y_max in the
 * image's pixel frame) and `images/`. Each image becomes a Study with CheXpert-mapped labels.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FindingBox, Labels, Observation, Study } from '../types.js';
import { resolveInside } from '../safe-path.js';
import { checkBox, DataError, guard, num, readCsv, type Loaded, type LoaderOptions } from './common.js';

/** NIH class -> CheXpert observation (classes without a counterpart are kept only in meta). */
export const NIH_TO_CHEXPERT: Record<string, Observation | null> = {
  Atelectasis: 'Atelectasis',
  Cardiomegaly: 'Cardiomegaly',
  Consolidation: 'Consolidation',
  Edema: 'Edema',
  Effusion: 'Pleural Effusion',
  Pneumonia: 'Pneumonia',
  Pneumothorax: 'Pneumothorax',
  Mass: 'Lung Lesion',
  Nodule: 'Lung Lesion',
  Infiltration: 'Lung Opacity',
  Pleural_Thickening: 'Pleural Other',
  Emphysema: null,
  Fibrosis: null,
  Hernia: null,
};

/** Box finding names as NIH writes them -> the names used in study boxes. */
const BOX_NAMES: Record<string, string> = { Effusion: 'Pleural Effusion', Infiltrate: 'Infiltration' };

export interface NihOptions extends LoaderOptions {
  /** Side of the (square) image frame the boxes are given in; 256 for the shared sample. */
  frame?: number;
  /** Rescale boxes to this frame (e.g. 512, the paper's bound) and record it as the study's frame. */
  scaleTo?: number;
  /** Require each listed image file to exist (default true). */
  checkFiles?: boolean;
  /** Label and box tables, when not ROOT/labels.csv and ROOT/boxes.csv. */
  labelsCsv?: string;
  boxesCsv?: string;
}

/** NIH labels -> CheXpert labels: present classes 1; the mapped classes NIH says are absent 0. */
export function nihLabels(findings: string[]): Labels {
  const labels: Labels = {};
  if (findings.length === 1 && findings[0] === 'No Finding') {
    labels['No Finding'] = 1;
  }
  // NIH labels are exhaustive over its 14 classes: an unlisted class with a direct counterpart is negative.
  for (const obs of ['Atelectasis', 'Cardiomegaly', 'Consolidation', 'Edema', 'Pleural Effusion', 'Pneumonia', 'Pneumothorax'] as Observation[]) labels[obs] = 0;
  for (const f of findings) {
    const obs = NIH_TO_CHEXPERT[f];
    if (obs) labels[obs] = 1;
  }
  return labels;
}

export function loadNih(root: string, opts: NihOptions = {}): Loaded<Study> {
  const frame = opts.frame ?? 256;
  const outFrame = opts.scaleTo ?? frame;
  const k = outFrame / frame;
  const labelsFile = opts.labelsCsv ?? join(root, 'labels.csv');
  const table = readCsv(labelsFile, ['image', 'finding_labels', 'patient_id', 'age', 'sex', 'view'], opts);
  const skipped = [...table.skipped];
  const boxesByImage = new Map<string, FindingBox[]>();
  const boxesFile = opts.boxesCsv ?? join(root, 'boxes.csv');
  if (existsSync(boxesFile)) {
    const bt = readCsv(boxesFile, ['image', 'finding', 'x_min', 'y_min', 'x_max', 'y_max'], opts);
    skipped.push(...bt.skipped);
    for (const r of bt.rows) {
      guard(boxesFile, r.line, opts.lenient, skipped, () => {
        const box = (['x_min', 'y_min', 'x_max', 'y_max'] as const).map((c) => num(boxesFile, r.line, c, r.get(c)));
        checkBox(boxesFile, r.line, box, frame, frame);
        const finding = BOX_NAMES[r.get('finding')] ?? r.get('finding');
        const list = boxesByImage.get(r.get('image')) ?? [];
        list.push({ finding, box: box.map((v) => Math.round(v * k * 100) / 100) as FindingBox['box'] });
        boxesByImage.set(r.get('image'), list);
      });
    }
  }
  const items: Study[] = [];
  for (const r of table.rows) {
    const s = guard(labelsFile, r.line, opts.lenient, skipped, () => {
      const image = r.get('image');
      const rel = `images/${image}`;
      let full: string;
      try {
        full = resolveInside(root, rel);
      } catch (e) {
        throw new DataError(labelsFile, r.line, (e as Error).message);
      }
      if (opts.checkFiles !== false && !existsSync(full)) throw new DataError(labelsFile, r.line, `image ${rel} not found under ${root}`);
      const findings = r.get('finding_labels').split('|').map((x) => x.trim()).filter(Boolean);
      for (const f of findings) if (f !== 'No Finding' && !(f in NIH_TO_CHEXPERT)) throw new DataError(labelsFile, r.line, `unknown NIH finding '${f}'`);
      const sex = r.get('sex');
      if (sex !== 'M' && sex !== 'F') throw new DataError(labelsFile, r.line, `column 'sex': expected M or F, got '${sex}'`);
      const view = r.get('view');
      if (view !== 'PA' && view !== 'AP') throw new DataError(labelsFile, r.line, `column 'view': expected PA or AP, got '${view}'`);
      const study: Study = {
        id: `nih-${image.replace(/\.png$/i, '')}`,
        patientId: `nih-${r.get('patient_id')}`,
        image: rel,
        frame: outFrame,
        sex,
        age: num(labelsFile, r.line, 'age', r.get('age')),
        view,
        labels: nihLabels(findings),
        boxes: boxesByImage.get(image) ?? [],
        findings: '',
        impression: '',
        source: 'nih',
        meta: { nihLabels: findings },
      };
      return study;
    });
    if (s) items.push(s);
  }
  const known = new Set(table.rows.map((r) => r.values[table.header.indexOf('image')]));
  for (const img of boxesByImage.keys()) {
    if (!known.has(img)) {
      const err = new DataError(boxesFile, undefined, `box for image '${img}' that labels.csv does not list`);
      if (!opts.lenient) throw err;
      skipped.push({ file: boxesFile, error: err.message });
    }
  }
  return { items, skipped };
}
