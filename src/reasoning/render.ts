/**
 * Draw boxes on a radiograph: the true finding boxes (green, dashed) and the boxes a response
 * reasons with (orange), with short labels, composited as an SVG overlay by sharp. For notebooks
 * and figures; returns PNG bytes.
 */
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import type { Box } from '../data/types.js';

export interface LabelledBox {
  box: Box;
  label?: string;
}

export interface RenderOptions {
  /** Side of the square frame the boxes are in (512 for the cohort). */
  frame: number;
  /** Output side in pixels. */
  size?: number;
  truth?: LabelledBox[];
  predicted?: LabelledBox[];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The SVG overlay (exported for tests). */
export function overlaySvg(opts: RenderOptions): string {
  const size = opts.size ?? 384;
  const k = size / opts.frame;
  const rect = (b: LabelledBox, color: string, dash: boolean, labelBelow: boolean): string => {
    const [x0, y0, x1, y1] = b.box.map((v) => v * k);
    const w = Math.max(1, x1 - x0);
    const h = Math.max(1, y1 - y0);
    const text = b.label
      ? `<text x="${(x0 + 2).toFixed(1)}" y="${(labelBelow ? y1 + 11 : Math.max(10, y0 - 3)).toFixed(1)}" fill="${color}" font-family="sans-serif" font-size="10">${escapeXml(b.label)}</text>`
      : '';
    return `<rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="${color}" stroke-width="2"${dash ? ' stroke-dasharray="5,3"' : ''}/>${text}`;
  };
  // Predicted first, true boxes dashed on top: where they coincide both colours stay visible.
  const parts = [
    ...(opts.predicted ?? []).map((b) => rect(b, '#ff8c00', false, false)),
    ...(opts.truth ?? []).map((b) => rect(b, '#2ecc71', true, true)),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${parts.join('')}</svg>`;
}

/** The image resized to size×size with the boxes drawn on it, as PNG bytes. */
export async function renderWithBoxes(imagePath: string, opts: RenderOptions): Promise<Buffer> {
  if (!existsSync(imagePath)) throw new Error(`image not found: ${imagePath}`);
  const size = opts.size ?? 384;
  const base = await sharp(imagePath).greyscale().resize(size, size, { fit: 'fill' }).toColourspace('srgb').png().toBuffer();
  return sharp(base)
    .composite([{ input: Buffer.from(overlaySvg(opts)), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
