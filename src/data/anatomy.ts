/**
 * Chest anatomy of one synthetic frontal radiograph: the geometry (lungs, heart, mediastinum,
 * diaphragm, ribs, clavicles, spine) that the renderer draws and the findings are placed in.
 *
 * Image convention: the patient's RIGHT is on the image LEFT (x < centre), as on a real frontal film.
 * All coordinates are pixels of the square frame (512 by default).
 */
import type { Rng } from '../util/rng.js';

export type Pt = [number, number];
export type Side = 'right' | 'left';

export interface Rib {
  side: Side;
  index: number;
  /** Cubic Bézier: start at the spine, arch laterally, end anterior-inferior. */
  p0: Pt;
  p1: Pt;
  p2: Pt;
  p3: Pt;
  width: number;
}

export interface Anatomy {
  frame: number;
  sex: 'M' | 'F';
  view: 'PA' | 'AP';
  /** Thorax midline x. */
  cx: number;
  /** Half the inner thoracic width (rib margin to rib margin). */
  halfWidth: number;
  apexY: number;
  /** Dome height of the right and left hemidiaphragms (left sits a little lower). */
  diaphragmY: { right: number; left: number };
  lungs: { right: Pt[]; left: Pt[] };
  /** Heart silhouette: right border x, left border x, top y, bottom y (polygon in `heartOutline`). */
  heart: { right: number; left: number; top: number; bottom: number };
  heartOutline: Pt[];
  /** Upper mediastinum half-width (above the heart). */
  mediastinumHalf: number;
  tracheaX: number;
  carinaY: number;
  ribs: Rib[];
  clavicles: { side: Side; p0: Pt; p1: Pt; p2: Pt }[];
  /** Overall exposure: grey levels of soft tissue and lung, and a noise amplitude. */
  exposure: { tissue: number; lung: number; bone: number; noise: number };
}

/** Cardiothoracic ratio range for a normal heart; cardiomegaly widens it. */
export const NORMAL_CTR: [number, number] = [0.4, 0.48];

export interface AnatomyOptions {
  frame: number;
  sex: 'M' | 'F';
  view: 'PA' | 'AP';
  /** Cardiothoracic ratio (heart width / thoracic width). */
  ctr: number;
  /** Upper mediastinal width as a fraction of the thoracic width. */
  mediastinumRatio: number;
}

/** Sample one patient's chest geometry. */
export function sampleAnatomy(rng: Rng, opts: AnatomyOptions): Anatomy {
  const s = opts.frame / 512;
  const cx = opts.frame / 2 + rng.uniform(-8, 8) * s;
  const halfWidth = (opts.sex === 'M' ? rng.uniform(180, 200) : rng.uniform(166, 186)) * s;
  // AP (portable, supine or semi-erect) films are shallower inspirations: the domes sit higher.
  const apexY = rng.uniform(62, 78) * s;
  const inspiration = opts.view === 'AP' ? rng.uniform(290, 320) : rng.uniform(320, 350);
  const rightDome = apexY + inspiration * s;
  const diaphragmY = { right: rightDome, left: rightDome + rng.uniform(6, 16) * s };
  const lungs = {
    right: lungOutline('right', cx, halfWidth, apexY, diaphragmY.right, s),
    left: lungOutline('left', cx, halfWidth, apexY, diaphragmY.left, s),
  };
  const heartWidth = opts.ctr * 2 * halfWidth;
  const heart = {
    right: cx - heartWidth * 0.33,
    left: cx + heartWidth * 0.67,
    top: apexY + (inspiration * 0.46) * s,
    bottom: diaphragmY.left + 6 * s,
  };
  const mediastinumHalf = opts.mediastinumRatio * halfWidth;
  const carinaY = apexY + rng.uniform(110, 125) * s;
  const ribs: Rib[] = [];
  for (const side of ['right', 'left'] as Side[]) {
    const dir = side === 'right' ? -1 : 1;
    for (let i = 0; i < 10; i++) {
      const y0 = apexY - 22 * s + i * (inspiration / 10.2) * s;
      const reach = halfWidth * (0.55 + 0.5 * Math.min(1, (i + 1) / 4));
      ribs.push({
        side,
        index: i + 1,
        p0: [cx + dir * 14 * s, y0],
        p1: [cx + dir * reach * 0.7, y0 - 16 * s],
        p2: [cx + dir * (reach + 12 * s), y0 + 16 * s],
        p3: [cx + dir * reach * 0.9, y0 + (66 + 3 * i) * s],
        width: (7 + i * 0.35) * s,
      });
    }
  }
  const clavicles = (['right', 'left'] as Side[]).map((side) => {
    const dir = side === 'right' ? -1 : 1;
    const y = apexY + rng.uniform(10, 22) * s;
    return {
      side,
      p0: [cx + dir * 18 * s, y + 18 * s] as Pt,
      p1: [cx + dir * halfWidth * 0.5, y + 4 * s] as Pt,
      p2: [cx + dir * halfWidth * 1.02, y - 18 * s] as Pt,
    };
  });
  const tissue = rng.uniform(88, 112);
  return {
    frame: opts.frame,
    sex: opts.sex,
    view: opts.view,
    cx,
    halfWidth,
    apexY,
    diaphragmY,
    lungs,
    heart,
    heartOutline: heartOutline(heart, s),
    mediastinumHalf,
    tracheaX: cx + rng.uniform(-3, 3) * s,
    carinaY,
    ribs,
    clavicles,
    exposure: { tissue, lung: rng.uniform(26, 44), bone: tissue + rng.uniform(70, 95), noise: rng.uniform(3, 6) },
  };
}

/** A lung as a closed polygon: apex, lateral wall, costophrenic angle, diaphragm dome, medial border. */
function lungOutline(side: Side, cx: number, hw: number, apexY: number, domeY: number, s: number): Pt[] {
  const dir = side === 'right' ? -1 : 1;
  const medial = cx + dir * 16 * s;
  const lateral = cx + dir * hw;
  const pts: Pt[] = [];
  // Apex: a rounded cap centred a little medial of mid-lung.
  const apexX = cx + dir * hw * 0.48;
  const H = domeY - apexY;
  // Lateral wall from apex down to the costophrenic angle (parametric, convex outward).
  for (let i = 0; i <= 14; i++) {
    const t = i / 14;
    const y = apexY + t * (H + 24 * s);
    const bulge = Math.sin(Math.min(1, t * 1.35) * Math.PI * 0.5);
    const x = apexX + (lateral - apexX) * bulge;
    pts.push([x, y]);
  }
  const cpY = domeY + 24 * s;
  // Diaphragm dome: from the costophrenic angle up over the dome and down to the cardiophrenic angle.
  for (let i = 1; i <= 10; i++) {
    const t = i / 10;
    const x = lateral + (medial - lateral) * t;
    const dome = Math.sin(Math.min(1, t * 1.6) * Math.PI * 0.5);
    const y = cpY - 24 * s * dome - 4 * s * Math.sin(t * Math.PI) + 8 * s * Math.max(0, t - 0.7);
    pts.push([x, y]);
  }
  // Medial border straight up to the apex.
  for (let i = 1; i < 8; i++) {
    const t = i / 8;
    const x = medial + (apexX - medial) * Math.pow(t, 3);
    const y = domeY + 4 * s - t * (domeY - apexY);
    pts.push([x, y]);
  }
  return side === 'right' ? pts : pts;
}

function heartOutline(h: Anatomy['heart'], s: number): Pt[] {
  // Control points clockwise from the top, in the patient's terms: the right atrial border (a gentle
  // convexity right of the spine), the cardiophrenic angle, the inferior border on the diaphragm,
  // the apex low and to the patient's left, the long left-ventricular convexity, the left atrial
  // appendage / pulmonary trunk segment, back into the mediastinum.
  const w = h.left - h.right;
  const ht = h.bottom - h.top;
  const mid = h.right + w * 0.36; // the midline sits about a third of the way across the heart
  const ctrl: Pt[] = [
    [mid - w * 0.06, h.top],
    [h.right + w * 0.07, h.top + ht * 0.3],
    [h.right, h.top + ht * 0.64],
    [h.right + w * 0.05, h.bottom],
    [h.left - w * 0.3, h.bottom + 6 * s],
    [h.left - w * 0.04, h.bottom - ht * 0.06],
    [h.left, h.bottom - ht * 0.3],
    [h.left - w * 0.12, h.top + ht * 0.3],
    [mid + w * 0.26, h.top + ht * 0.06],
    [mid + w * 0.1, h.top - 4 * s],
  ];
  return catmullRom([...ctrl, ctrl[0]], 6);
}

/** Sample a Catmull-Rom curve through the points (k samples per segment). */
export function catmullRom(pts: Pt[], k: number): Pt[] {
  const out: Pt[] = [];
  for (let i = 0; i < pts.length - 1; i++) {
    const p0 = pts[Math.max(0, i - 1)];
    const p1 = pts[i];
    const p2 = pts[i + 1];
    const p3 = pts[Math.min(pts.length - 1, i + 2)];
    for (let j = 0; j < k; j++) {
      const t = j / k;
      const t2 = t * t;
      const t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) => 0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      out.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  return out;
}

/** Horizontal extent of a polygon at height y (min and max crossing), or null when y misses it. */
export function spanAt(poly: Pt[], y: number): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i];
    const [x2, y2] = poly[(i + 1) % poly.length];
    if ((y1 <= y && y2 > y) || (y2 <= y && y1 > y)) {
      const x = x1 + ((y - y1) / (y2 - y1)) * (x2 - x1);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * The visible (not behind the heart or mediastinum) horizontal extent of a lung at height y.
 * Null where the lung is absent at that height.
 */
export function visibleLungSpan(a: Anatomy, side: Side, y: number): [number, number] | null {
  const span = spanAt(a.lungs[side], y);
  if (!span) return null;
  const heart = spanAt(a.heartOutline, y);
  let [lo, hi] = span;
  const medialLimit = heart ? (side === 'right' ? heart[0] : heart[1]) : side === 'right' ? a.cx - a.mediastinumHalf : a.cx + a.mediastinumHalf;
  if (side === 'right') hi = Math.min(hi, medialLimit);
  else lo = Math.max(lo, medialLimit);
  return hi - lo > 4 ? [lo, hi] : null;
}

/** Vertical extent of a lung (apex to costophrenic angle). */
export function lungYRange(a: Anatomy, side: Side): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, y] of a.lungs[side]) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  return [lo, hi];
}

/** Point on a cubic Bézier at t. */
export function bezier(p0: Pt, p1: Pt, p2: Pt, p3: Pt, t: number): Pt {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return [a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]];
}
