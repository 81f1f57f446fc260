/**
 * Contact sheet of studies with their true boxes drawn and labelled: for looking at a cohort (or any
 * dataset of studies) the way a radiologist would, in a notebook or a figure file.
 */
import sharp from 'sharp';
import { join } from 'node:path';
import type { Study } from './types.js';
import { resolveInside } from './safe-path.js';

export interface GridOptions {
  /** Directory the study image paths are relative to. */
  root: string;
  columns?: number;
  /** Side of each tile in pixels. */
  tile?: number;
  /** Label each box with its finding (and each tile with id, sex, age, view). */
  labels?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Render a grid of studies with boxes to PNG bytes (RGB). */
export async function studyGridPng(studies: readonly Study[], opts: GridOptions): Promise<Buffer> {
  const cols = Math.max(1, Math.min(opts.columns ?? 4, studies.length));
  const tile = opts.tile ?? 320;
  const rows = Math.ceil(studies.length / cols);
  const colours = ['#ff4040', '#40ff40', '#40a0ff', '#ffd000', '#ff40ff', '#00ffff'];
  const tiles = await Promise.all(
    studies.map(async (s, i) => {
      const k = tile / s.frame;
      let overlay = '';
      s.boxes.forEach((b, j) => {
        const c = colours[j % colours.length];
        const [x0, y0, x1, y1] = b.box.map((v) => v * k);
        overlay += `<rect x="${x0}" y="${y0}" width="${Math.max(1, x1 - x0)}" height="${Math.max(1, y1 - y0)}" fill="none" stroke="${c}" stroke-width="1.5"/>`;
        if (opts.labels !== false) overlay += `<text x="${x0 + 2}" y="${Math.max(10, y0 - 2)}" fill="${c}" font-size="11" font-family="sans-serif">${esc(b.finding)}</text>`;
      });
      if (opts.labels !== false) overlay += `<text x="4" y="${tile - 5}" fill="#80ffff" font-size="11" font-family="sans-serif">${esc(`${s.id} ${s.sex} ${s.age} ${s.view}`)}</text>`;
      const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${tile}" height="${tile}">${overlay}</svg>`);
      const input = await sharp(resolveInside(opts.root, s.image)).resize(tile, tile, { fit: 'fill' }).toColourspace('srgb').composite([{ input: svg }]).png().toBuffer();
      return { input, left: (i % cols) * tile, top: Math.floor(i / cols) * tile };
    }),
  );
  return sharp({ create: { width: cols * tile, height: rows * tile, channels: 3, background: '#000000' } }).composite(tiles).png().toBuffer();
}

/** Write the grid to a file and return its path. */
export async function writeStudyGrid(path: string, studies: readonly Study[], opts: GridOptions): Promise<string> {
  await sharp(await studyGridPng(studies, opts)).toFile(path);
  return join(path);
}
