/** Image I/O shared by every stage: decode a radiograph into model-ready greyscale pixels. */
import sharp from 'sharp';
import { existsSync } from 'node:fs';

/**
 * Decode an image file, convert to greyscale and resize to size×size (the whole frame, no crop),
 * returning row-major float pixels in [0, 1]. A missing or unreadable file is an error naming it.
 */
export async function loadImagePixels(path: string, size: number): Promise<Float32Array> {
  if (!existsSync(path)) throw new Error(`image not found: ${path}`);
  let raw: Buffer;
  try {
    raw = await sharp(path).greyscale().resize(size, size, { fit: 'fill' }).removeAlpha().extractChannel(0).raw().toBuffer();
  } catch (e) {
    throw new Error(`cannot decode image ${path}: ${(e as Error).message}`);
  }
  if (raw.length !== size * size) throw new Error(`image ${path}: decoded ${raw.length} bytes, expected ${size * size}`);
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = raw[i] / 255;
  return out;
}
