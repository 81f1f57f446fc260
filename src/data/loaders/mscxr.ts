/**
 * MS-CXR phrase grounding (MIMIC-CXR images): a CSV of dicom_id, category_name, label_text, path,
 * x, y, w, h, image_width, image_height (boxes in the original image's pixels). Produces grounding
 * instruction records with boxes rescaled to a square frame (512 by default).
 */
import type { Box, InstructionRecord } from '../types.js';
import { resolveInside } from '../safe-path.js';
import { checkBox, DataError, guard, num, readCsv, type Loaded, type LoaderOptions } from './common.js';
import { fmtBox } from '../instructions.js';

export interface MsCxrPhrase {
  dicomId: string;
  patientId: string;
  image: string;
  category: string;
  phrase: string;
  /** Box in the original image's pixels. */
  boxOriginal: Box;
  width: number;
  height: number;
}

export function loadMsCxr(csv: string, imagesRoot: string, opts: LoaderOptions = {}): Loaded<MsCxrPhrase> {
  const t = readCsv(csv, ['dicom_id', 'category_name', 'label_text', 'path', 'x', 'y', 'w', 'h', 'image_width', 'image_height'], opts);
  const skipped = [...t.skipped];
  const items: MsCxrPhrase[] = [];
  for (const r of t.rows) {
    const it = guard(csv, r.line, opts.lenient, skipped, () => {
      const [x, y, w, h, W, H] = ['x', 'y', 'w', 'h', 'image_width', 'image_height'].map((c) => num(csv, r.line, c, r.get(c)));
      const box: Box = [x, y, x + w, y + h];
      checkBox(csv, r.line, box, W, H);
      const path = r.get('path');
      try {
        resolveInside(imagesRoot, path);
      } catch (e) {
        throw new DataError(csv, r.line, (e as Error).message);
      }
      const m = /p\d\d\/p(\d+)\//.exec(path);
      if (!m) throw new DataError(csv, r.line, `column 'path': '${path}' is not a MIMIC-CXR path (files/pXX/pSUBJECT/sSTUDY/DICOM.jpg)`);
      const phrase = r.get('label_text').trim();
      if (!phrase) throw new DataError(csv, r.line, `column 'label_text' is empty`);
      return { dicomId: r.get('dicom_id'), patientId: `mimic-${m[1]}`, image: path, category: r.get('category_name'), phrase, boxOriginal: box, width: W, height: H };
    });
    if (it) items.push(it);
  }
  return { items, skipped };
}

/** Rescale a box from a width×height image to a square frame (the image is resized to fill it). */
export function toFrame(box: Box, width: number, height: number, frame: number): Box {
  const r = (v: number) => Math.round(v * 100) / 100;
  return [r((box[0] * frame) / width), r((box[1] * frame) / height), r((box[2] * frame) / width), r((box[3] * frame) / height)];
}

/** One grounding record per phrase: "Locate: <phrase>" -> its box in the frame. */
export function msCxrGrounding(phrases: readonly MsCxrPhrase[], frame = 512): InstructionRecord[] {
  return phrases.map((p, i) => {
    const box = toFrame(p.boxOriginal, p.width, p.height, frame);
    return {
      id: `ms-cxr:${p.dicomId}:${i}`,
      studyId: `mimic-dicom-${p.dicomId}`,
      patientId: p.patientId,
      task: 'grounding',
      questionType: 'grounding',
      images: [p.image],
      prompt: `Locate the region described by "${p.phrase}" in this chest X-ray. Answer with its bounding box [x_min, y_min, x_max, y_max] in pixels of the ${frame}x${frame} image.`,
      answer: fmtBox(box),
      answerKind: 'free',
      boxes: [{ finding: p.category, box }],
      source: 'ms-cxr',
      frame,
    };
  });
}
