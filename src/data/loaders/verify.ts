/** Check that the images a dataset lists decode (sharp reads each header): corrupt files are named. */
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import type { Study } from '../types.js';
import { resolveInside } from '../safe-path.js';
import type { Skipped } from './common.js';

export interface ImageCheck {
  ok: Study[];
  bad: Skipped[];
}

/**
 * Decode the header of every study's image under `root`. Without `lenient` the first missing or
 * corrupt image is an error naming the study and the file; with it, bad studies are dropped and listed.
 */
export async function verifyImages(studies: readonly Study[], root: string, opts: { lenient?: boolean } = {}): Promise<ImageCheck> {
  const ok: Study[] = [];
  const bad: Skipped[] = [];
  for (const s of studies) {
    let error: string | null = null;
    let path = s.image;
    try {
      path = resolveInside(root, s.image);
      if (!existsSync(path)) error = 'image file not found';
      else {
        const m = await sharp(path).metadata();
        if (!m.width || !m.height) error = 'image has no size';
      }
    } catch (e) {
      error = `cannot decode image (${(e as Error).message})`;
    }
    if (error) {
      const msg = `${path}: study ${s.id}: ${error}`;
      if (!opts.lenient) throw new Error(msg);
      bad.push({ file: path, error: msg });
    } else ok.push(s);
  }
  return { ok, bad };
}
