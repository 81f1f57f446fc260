/**
 * Findings of a synthetic study with their true geometry: which abnormalities are present, their
 * side, zone, size and severity, the shapes the renderer draws, and the true bounding box of each.
 */
import type { Rng } from '../util/rng.js';
import type { Box } from './types.js';
import { bezier, lungYRange, visibleLungSpan, type Anatomy, type Pt, type Side } from './anatomy.js';

export const FINDING_KINDS = [
  'cardiomegaly',
  'enlarged-cardiomediastinum',
  'pleural-effusion',
  'pneumothorax',
  'consolidation',
  'lung-opacity',
  'atelectasis',
  'edema',
  'nodule',
  'mass',
  'rib-fracture',
  'endotracheal-tube',
  'central-line',
  'pacemaker',
  'enteric-tube',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Name of each kind as written in box records (`FindingBox.finding`). */
export const FINDING_NAMES: Record<FindingKind, string> = {
  cardiomegaly: 'Cardiomegaly',
  'enlarged-cardiomediastinum': 'Enlarged Cardiomediastinum',
  'pleural-effusion': 'Pleural Effusion',
  pneumothorax: 'Pneumothorax',
  consolidation: 'Consolidation',
  'lung-opacity': 'Lung Opacity',
  atelectasis: 'Atelectasis',
  edema: 'Edema',
  nodule: 'Nodule',
  mass: 'Mass',
  'rib-fracture': 'Rib Fracture',
  'endotracheal-tube': 'Endotracheal Tube',
  'central-line': 'Central Venous Catheter',
  pacemaker: 'Pacemaker',
  'enteric-tube': 'Enteric Tube',
};

export type Zone = 'upper' | 'mid' | 'lower';
export type Grade = 'small' | 'moderate' | 'large';
export type Severity = 'mild' | 'moderate' | 'severe';

/** A circle-ish blob (consolidation, opacity, nodule, mass) or a band; renderer-specific shape data. */
export interface Blob {
  x: number;
  y: number;
  rx: number;
  ry: number;
  rot: number;
}

export interface Finding {
  kind: FindingKind;
  side?: Side | 'bilateral';
  zone?: Zone;
  size?: Grade;
  severity?: Severity;
  /** Device variant, e.g. 'right internal jugular', 'dual-chamber'. */
  variant?: string;
  /** True boxes (one per side for bilateral findings). */
  boxes: Box[];
  /** Drawing data. */
  blobs?: Blob[];
  polyline?: Pt[];
  /** Pleural effusion, per side: size and the fluid top at the lateral wall and at the medial end. */
  levels?: { side: Side; size: Grade; lateral: number; medial: number }[];
  /** Pneumothorax: the visceral pleural line. */
  pleuralLine?: Pt[];
  /** Rib fracture: which rib and where along it. */
  rib?: { index: number; t: number; shift: Pt };
  /** Size in millimetres where a report would give one (nodule, mass). */
  mm?: number;
}

export const ZONES: readonly Zone[] = ['upper', 'mid', 'lower'];

function clampBox(b: Box, frame: number): Box {
  const c = (v: number) => Math.round(Math.min(frame - 1, Math.max(0, v)));
  return [c(b[0]), c(b[1]), c(b[2]), c(b[3])];
}

function boxOfPoints(pts: Pt[], pad: number, frame: number): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of pts) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return clampBox([x0 - pad, y0 - pad, x1 + pad, y1 + pad], frame);
}

/** The y range of a lung zone (thirds of the apex-to-dome height). */
export function zoneRange(a: Anatomy, side: Side, zone: Zone): [number, number] {
  const [top] = lungYRange(a, side);
  const dome = a.diaphragmY[side];
  const h = (dome - top) / 3;
  const i = ZONES.indexOf(zone);
  return [top + i * h, top + (i + 1) * h];
}

/** A point well inside the visible lung in the given zone. */
function pointInZone(rng: Rng, a: Anatomy, side: Side, zone: Zone, margin: number): Pt {
  const [y0, y1] = zoneRange(a, side, zone);
  for (let tries = 0; tries < 20; tries++) {
    const y = rng.uniform(y0 + margin * 0.5, y1 - margin * 0.5);
    const span = visibleLungSpan(a, side, y);
    if (span && span[1] - span[0] > 2 * margin + 4) return [rng.uniform(span[0] + margin, span[1] - margin), y];
  }
  const y = (y0 + y1) / 2;
  const span = visibleLungSpan(a, side, y) ?? [a.cx - 100, a.cx + 100];
  return [(span[0] + span[1]) / 2, y];
}

function blobBox(blobs: Blob[], a: Anatomy, side: Side): Box {
  const pts: Pt[] = [];
  for (const b of blobs) {
    const r = Math.max(b.rx, b.ry) * 0.85;
    for (let k = 0; k < 8; k++) {
      const y = b.y + r * Math.sin((k / 8) * 2 * Math.PI);
      const x = b.x + r * Math.cos((k / 8) * 2 * Math.PI);
      // Only the part inside the visible lung shows.
      const span = visibleLungSpan(a, side, y);
      if (span) pts.push([Math.min(span[1], Math.max(span[0], x)), y]);
    }
  }
  return boxOfPoints(pts.length ? pts : blobs.map((b) => [b.x, b.y] as Pt), 0, a.frame);
}

const S = (a: Anatomy) => a.frame / 512;

export function placeEffusion(rng: Rng, a: Anatomy, side: Side, size: Grade): Finding {
  const dome = a.diaphragmY[side];
  const [top] = lungYRange(a, side);
  const frac = size === 'small' ? rng.uniform(0.1, 0.16) : size === 'moderate' ? rng.uniform(0.24, 0.34) : rng.uniform(0.45, 0.58);
  const lateral = dome - frac * (dome - top);
  const medial = lateral + rng.uniform(26, 44) * S(a);
  const pts: Pt[] = [];
  for (let y = lateral; y <= dome + 24 * S(a); y += 4) {
    const span = visibleLungSpan(a, side, y);
    if (span) pts.push([span[0], y], [span[1], y]);
  }
  return { kind: 'pleural-effusion', side, size, levels: [{ side, size, lateral, medial }], boxes: [boxOfPoints(pts, 0, a.frame)] };
}

export function placePneumothorax(rng: Rng, a: Anatomy, side: Side, size: Grade): Finding {
  const depth = (size === 'small' ? rng.uniform(10, 18) : size === 'moderate' ? rng.uniform(26, 40) : rng.uniform(52, 72)) * S(a);
  const poly = a.lungs[side];
  const [top] = lungYRange(a, side);
  const lowest = top + (a.diaphragmY[side] - top) * (size === 'large' ? 0.85 : size === 'moderate' ? 0.6 : 0.4);
  // Outer edge follows the apex and lateral wall; the pleural line sits `depth` inward, toward the hilum.
  const hilum: Pt = [a.cx + (side === 'right' ? -1 : 1) * a.halfWidth * 0.35, top + (a.diaphragmY[side] - top) * 0.45];
  const outer = poly.slice(0, 15).filter(([, y]) => y <= lowest);
  const inner: Pt[] = outer.map(([x, y], i) => {
    const dx = hilum[0] - x;
    const dy = hilum[1] - y;
    const d = Math.hypot(dx, dy) || 1;
    const taper = i === outer.length - 1 ? 0.4 : 1;
    return [x + (dx / d) * depth * taper, y + (dy / d) * depth * taper];
  });
  return { kind: 'pneumothorax', side, size, polyline: outer, pleuralLine: inner, boxes: [boxOfPoints([...outer, ...inner], 0, a.frame)] };
}

export function placeAirspace(rng: Rng, a: Anatomy, kind: 'consolidation' | 'lung-opacity', side: Side, zone: Zone): Finding {
  const s = S(a);
  const c = pointInZone(rng, a, side, zone, 28 * s);
  const n = rng.int(4, 7);
  const spread = (kind === 'consolidation' ? rng.uniform(22, 34) : rng.uniform(26, 40)) * s;
  const blobs: Blob[] = [];
  for (let i = 0; i < n; i++) {
    blobs.push({
      x: c[0] + rng.normal(0, spread * 0.45),
      y: c[1] + rng.normal(0, spread * 0.35),
      rx: rng.uniform(0.45, 0.85) * spread,
      ry: rng.uniform(0.35, 0.7) * spread,
      rot: rng.uniform(-40, 40),
    });
  }
  return { kind, side, zone, blobs, boxes: [blobBox(blobs, a, side)] };
}

export function placeAtelectasis(rng: Rng, a: Anatomy, side: Side | 'bilateral', severity: Severity): Finding {
  const sides: Side[] = side === 'bilateral' ? ['right', 'left'] : [side];
  const blobs: Blob[] = [];
  const boxes: Box[] = [];
  for (const sd of sides) {
    const [y0, y1] = zoneRange(a, sd, 'lower');
    const y = rng.uniform(y0 + (y1 - y0) * 0.35, y1 - (y1 - y0) * 0.05);
    const span = visibleLungSpan(a, sd, y) ?? [a.cx - 120, a.cx + 120];
    const len = Math.min(span[1] - span[0] - 10, rng.uniform(55, 95) * S(a));
    const x = rng.uniform(span[0] + len / 2 + 4, span[1] - len / 2 - 4);
    const b: Blob = { x, y, rx: len / 2, ry: (severity === 'mild' ? 3.5 : 5.5) * S(a), rot: rng.uniform(-12, 12) };
    blobs.push(b);
    const rad = (b.rot * Math.PI) / 180;
    const hx = Math.abs(b.rx * Math.cos(rad)) + Math.abs(b.ry * Math.sin(rad));
    const hy = Math.abs(b.rx * Math.sin(rad)) + Math.abs(b.ry * Math.cos(rad));
    boxes.push(clampBox([x - hx, y - hy - 2, x + hx, y + hy + 2], a.frame));
  }
  return { kind: 'atelectasis', side, severity, blobs, boxes };
}

export function placeEdema(rng: Rng, a: Anatomy, severity: Severity): Finding {
  const blobs: Blob[] = [];
  const boxes: Box[] = [];
  const reach = severity === 'mild' ? 0.42 : severity === 'moderate' ? 0.58 : 0.75;
  for (const sd of ['right', 'left'] as Side[]) {
    const dir = sd === 'right' ? -1 : 1;
    const [top] = lungYRange(a, sd);
    const hy = top + (a.diaphragmY[sd] - top) * 0.5;
    const medial = sd === 'right' ? a.heart.right : a.heart.left;
    const w = a.halfWidth * reach;
    const b: Blob = { x: medial + dir * w * 0.35, y: hy, rx: w * 0.62, ry: (a.diaphragmY[sd] - top) * (0.22 + reach * 0.18), rot: dir * rng.uniform(5, 20) };
    blobs.push(b);
    const span = visibleLungSpan(a, sd, hy) ?? [b.x - b.rx, b.x + b.rx];
    const x0 = Math.max(span[0], b.x - b.rx * 0.85);
    const x1 = Math.min(span[1], b.x + b.rx * 0.85);
    boxes.push(clampBox([x0, hy - b.ry * 0.85, x1, hy + b.ry * 0.85], a.frame));
  }
  return { kind: 'edema', side: 'bilateral', severity, blobs, boxes };
}

export function placeLesion(rng: Rng, a: Anatomy, kind: 'nodule' | 'mass', side: Side, zone: Zone): Finding {
  const s = S(a);
  const r = (kind === 'nodule' ? rng.uniform(5, 11) : rng.uniform(18, 30)) * s;
  const c = pointInZone(rng, a, side, zone, r + 6 * s);
  // 512 px ≈ 360 mm across a typical detector: about 0.7 mm per pixel of the 512 frame.
  const mm = Math.round(((2 * r) / s) * 0.7 / (kind === 'mass' ? 5 : 1)) * (kind === 'mass' ? 5 : 1);
  const blobs: Blob[] = [{ x: c[0], y: c[1], rx: r, ry: r * rng.uniform(0.85, 1), rot: rng.uniform(0, 180) }];
  if (kind === 'mass') blobs.push({ x: c[0] + r * 0.4, y: c[1] - r * 0.3, rx: r * 0.6, ry: r * 0.55, rot: 0 });
  const pad = 2 * s;
  const b: Box = clampBox([c[0] - r - pad, c[1] - r - pad, c[0] + r * (kind === 'mass' ? 1.0 : 1) + pad, c[1] + r + pad], a.frame);
  return { kind, side, zone, blobs, mm, boxes: [b] };
}

export function placeRibFracture(rng: Rng, a: Anatomy, side: Side): Finding {
  const index = rng.int(4, 8);
  const rib = a.ribs.find((r) => r.side === side && r.index === index)!;
  const t = rng.uniform(0.5, 0.72);
  const p = bezier(rib.p0, rib.p1, rib.p2, rib.p3, t);
  const shift: Pt = [rng.uniform(-3, 3) * S(a), rng.uniform(3, 5) * S(a)];
  const r = 17 * S(a);
  return { kind: 'rib-fracture', side, rib: { index, t, shift }, boxes: [clampBox([p[0] - r, p[1] - r, p[0] + r, p[1] + r], a.frame)] };
}

export function placeDevice(rng: Rng, a: Anatomy, kind: 'endotracheal-tube' | 'central-line' | 'pacemaker' | 'enteric-tube'): Finding {
  const s = S(a);
  if (kind === 'endotracheal-tube') {
    const tip = a.carinaY - rng.uniform(30, 60) * s;
    const line: Pt[] = [[a.tracheaX + 2 * s, 0], [a.tracheaX, a.apexY], [a.tracheaX, tip]];
    return { kind, polyline: line, variant: 'standard', boxes: [clampBox([a.tracheaX - 8 * s, 0, a.tracheaX + 8 * s, tip + 3 * s], a.frame)] };
  }
  if (kind === 'enteric-tube') {
    const stomachY = a.diaphragmY.left + rng.uniform(35, 60) * s;
    const line: Pt[] = [[a.tracheaX - 4 * s, 0], [a.cx - 6 * s, a.carinaY + 40 * s], [a.cx + 10 * s, a.diaphragmY.left - 10 * s], [a.cx + a.halfWidth * 0.35, stomachY]];
    return { kind, polyline: line, variant: 'nasogastric', boxes: [boxOfPoints(line, 4 * s, a.frame)] };
  }
  if (kind === 'central-line') {
    const right = rng.bool(0.7);
    const sx = right ? -1 : 1;
    const entry: Pt = [a.cx + sx * a.halfWidth * 0.42, a.apexY - 30 * s];
    const tipY = a.heart.top + rng.uniform(-12, 10) * s;
    const line: Pt[] = [entry, [a.cx + sx * 40 * s, a.apexY + 40 * s], [a.cx - 22 * s, a.apexY + 80 * s], [a.cx - 20 * s, tipY]];
    return { kind, polyline: line, variant: right ? 'right internal jugular' : 'left internal jugular', boxes: [boxOfPoints(line, 3 * s, a.frame)] };
  }
  // Pacemaker: generator in the left infraclavicular soft tissue, leads to the right atrium and ventricle.
  const gx = a.cx + a.halfWidth * rng.uniform(0.55, 0.75);
  const gy = a.apexY + rng.uniform(30, 55) * s;
  const dual = rng.bool(0.6);
  const ra: Pt = [a.heart.right + 18 * s, a.heart.top + 25 * s];
  const rv: Pt = [a.cx + (a.heart.left - a.cx) * 0.4, a.heart.bottom - 20 * s];
  const line: Pt[] = [[gx, gy], [a.cx + 10 * s, a.apexY + 60 * s], [a.cx - 18 * s, a.heart.top], rv];
  if (dual) line.push(ra);
  const pts: Pt[] = [...line, [gx - 22 * s, gy - 15 * s], [gx + 22 * s, gy + 15 * s]];
  return { kind, polyline: line, variant: dual ? 'dual-chamber' : 'single-chamber', boxes: [boxOfPoints(pts, 2 * s, a.frame)] };
}

/** Box of the heart silhouette (cardiomegaly) or of the upper mediastinum (enlarged cardiomediastinum). */
export function cardiacBox(a: Anatomy, kind: 'cardiomegaly' | 'enlarged-cardiomediastinum'): Box {
  if (kind === 'cardiomegaly') return clampBox([a.heart.right, a.heart.top - 6 * S(a), a.heart.left, a.heart.bottom], a.frame);
  return clampBox([a.cx - a.mediastinumHalf, a.apexY + 10 * S(a), a.cx + a.mediastinumHalf, a.heart.top + 10 * S(a)], a.frame);
}
