/**
 * Renders a synthetic study to a greyscale PNG: the anatomy and findings are drawn as SVG,
 * rasterized by sharp (librsvg), blurred like a radiograph's unsharpness, then given quantum
 * mottle (seeded noise) and encoded. Same truth, same bytes.
 */
import sharp from 'sharp';
import { bezier, type Anatomy, type Pt, type Rib } from './anatomy.js';
import type { Finding } from './findings.js';
import type { StudyTruth } from './phantom.js';

const f1 = (v: number) => (Math.round(v * 10) / 10).toString();
const grey = (v: number) => {
  const g = Math.max(0, Math.min(255, Math.round(v)));
  return `rgb(${g},${g},${g})`;
};

function polyPath(pts: Pt[], close = true): string {
  return 'M' + pts.map(([x, y]) => `${f1(x)} ${f1(y)}`).join('L') + (close ? 'Z' : '');
}

/** A smooth open path through the points (Catmull-Rom converted to cubic Béziers). */
function smoothPath(pts: Pt[]): string {
  if (pts.length < 3) return polyPath(pts, false);
  let d = `M${f1(pts[0][0])} ${f1(pts[0][1])}`;
  for (let i = 0; i < pts.length - 1; i++) {
    const p0 = pts[Math.max(0, i - 1)];
    const p1 = pts[i];
    const p2 = pts[i + 1];
    const p3 = pts[Math.min(pts.length - 1, i + 2)];
    const c1: Pt = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2: Pt = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    d += `C${f1(c1[0])} ${f1(c1[1])} ${f1(c2[0])} ${f1(c2[1])} ${f1(p2[0])} ${f1(p2[1])}`;
  }
  return d;
}

function ribPath(r: Rib, from = 0, to = 1, shift: Pt = [0, 0]): string {
  // Sample on a fixed grid of t so that a rib cut into pieces (fracture) draws the same curve
  // as the whole rib away from the cut.
  const ts = [from];
  for (let i = 1; i < 24; i++) if (i / 24 > from && i / 24 < to) ts.push(i / 24);
  ts.push(to);
  const pts: Pt[] = ts.map((t) => {
    const p = bezier(r.p0, r.p1, r.p2, r.p3, t);
    return [p[0] + shift[0], p[1] + shift[1]];
  });
  return polyPath(pts, false);
}

/** Small deterministic generator for drawing jitter and noise (xorshift32). */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function vessels(a: Anatomy, rand: () => number): string {
  const s = a.frame / 512;
  // Two stroke widths (central trunks, peripheral branches), each one path: fewer elements to rasterize.
  let thick = '';
  let thin = '';
  for (const side of ['right', 'left'] as const) {
    const dir = side === 'right' ? -1 : 1;
    const hx = (side === 'right' ? a.heart.right : a.cx + a.mediastinumHalf * 0.9) + dir * 6 * s;
    const hy = a.carinaY + 30 * s;
    for (let b = 0; b < 9; b++) {
      const ang = (-70 + b * 20 + (rand() - 0.5) * 14) * (Math.PI / 180);
      let x = hx;
      let y = hy;
      const pts: Pt[] = [[x, y]];
      const len = (70 + rand() * 70) * s;
      for (let k = 1; k <= 5; k++) {
        const wob = (rand() - 0.5) * 0.5;
        x += dir * Math.cos(ang + wob) * (len / 5);
        y += Math.sin(ang + wob) * (len / 5) + 6 * s;
        pts.push([x, y]);
      }
      if (b % 2 === 0) thick += smoothPath(pts);
      else thin += smoothPath(pts);
    }
  }
  return (
    `<g fill="none" stroke="white" stroke-opacity="0.2" stroke-linecap="round" clip-path="url(#lungs)">` +
    `<path d="${thick}" stroke-width="${f1(3 * s)}"/><path d="${thin}" stroke-width="${f1(2.2 * s)}"/></g>`
  );
}

function findingSvg(f: Finding, a: Anatomy, rand: () => number): string {
  const s = a.frame / 512;
  const e = a.exposure;
  switch (f.kind) {
    case 'pleural-effusion': {
      let out = '';
      for (const lv of f.levels ?? []) {
        const poly = a.lungs[lv.side];
        const lateralX = lv.side === 'right' ? Math.min(...poly.map((p) => p[0])) : Math.max(...poly.map((p) => p[0]));
        const medialX = a.cx;
        // Meniscus: climbs highest along the lateral chest wall, falls steeply, then flattens medially.
        const w = Math.abs(medialX - lateralX);
        const dir = lv.side === 'right' ? 1 : -1;
        const d =
          `M${f1(lateralX - dir * 10 * s)} ${f1(lv.lateral)}` +
          `C${f1(lateralX + dir * 0.12 * w)} ${f1(lv.lateral + 0.75 * (lv.medial - lv.lateral))} ${f1(lateralX + dir * 0.45 * w)} ${f1(lv.medial)} ${f1(medialX)} ${f1(lv.medial)}` +
          `L${f1(medialX)} ${f1(a.frame)}L${f1(lateralX - dir * 10 * s)} ${f1(a.frame)}Z`;
        out += `<path d="${d}" fill="${grey(e.tissue + 55)}" fill-opacity="0.93" clip-path="url(#lung-${lv.side})"/>`;
      }
      return out;
    }
    case 'pneumothorax': {
      const outer = f.polyline!;
      const inner = f.pleuralLine!;
      const region = polyPath([...outer, ...inner.slice().reverse()]);
      return (
        `<path d="${region}" fill="black" clip-path="url(#lung-${f.side})"/>` +
        `<path d="${smoothPath(inner)}" fill="none" stroke="white" stroke-opacity="0.85" stroke-width="${f1(1.8 * s)}"/>`
      );
    }
    case 'consolidation':
    case 'lung-opacity': {
      const op = f.kind === 'consolidation' ? 0.8 : 0.5;
      let out = '';
      for (const b of f.blobs ?? []) {
        out += `<ellipse cx="${f1(b.x)}" cy="${f1(b.y)}" rx="${f1(b.rx)}" ry="${f1(b.ry)}" transform="rotate(${f1(b.rot)} ${f1(b.x)} ${f1(b.y)})" fill="url(#soft)" fill-opacity="${op}"/>`;
      }
      if (f.kind === 'consolidation' && f.blobs?.length) {
        // Air bronchograms: a few dark branching tubes inside the densest part.
        const c = f.blobs[0];
        for (let k = 0; k < 3; k++) {
          const ang = rand() * Math.PI;
          const pts: Pt[] = [[c.x, c.y], [c.x + Math.cos(ang) * c.rx * 0.35, c.y + Math.sin(ang) * c.ry * 0.35], [c.x + Math.cos(ang + 0.3) * c.rx * 0.7, c.y + Math.sin(ang + 0.3) * c.ry * 0.7]];
          out += `<path d="${smoothPath(pts)}" fill="none" stroke="${grey(e.lung)}" stroke-opacity="0.55" stroke-width="${f1(2.2 * s)}"/>`;
        }
      }
      return `<g clip-path="url(#lung-${f.side})">${out}</g>`;
    }
    case 'atelectasis': {
      let out = '';
      for (const b of f.blobs ?? []) {
        out += `<ellipse cx="${f1(b.x)}" cy="${f1(b.y)}" rx="${f1(b.rx)}" ry="${f1(b.ry)}" transform="rotate(${f1(b.rot)} ${f1(b.x)} ${f1(b.y)})" fill="white" fill-opacity="${f.severity === 'mild' ? 0.45 : 0.6}"/>`;
      }
      return `<g clip-path="url(#lungs)">${out}</g>`;
    }
    case 'edema': {
      const op = f.severity === 'mild' ? 0.45 : f.severity === 'moderate' ? 0.65 : 0.85;
      let out = '';
      for (const b of f.blobs ?? []) {
        out += `<ellipse cx="${f1(b.x)}" cy="${f1(b.y)}" rx="${f1(b.rx)}" ry="${f1(b.ry)}" transform="rotate(${f1(b.rot)} ${f1(b.x)} ${f1(b.y)})" fill="url(#soft)" fill-opacity="${op}"/>`;
      }
      if (f.severity !== 'mild') {
        // Kerley B lines: short horizontal septal lines at the lateral lung bases.
        for (const side of ['right', 'left'] as const) {
          const poly = a.lungs[side];
          const lateralX = side === 'right' ? Math.min(...poly.map((p) => p[0])) : Math.max(...poly.map((p) => p[0]));
          const dir = side === 'right' ? 1 : -1;
          for (let k = 0; k < 6; k++) {
            const y = a.diaphragmY[side] - (15 + k * 9) * s;
            out += `<line x1="${f1(lateralX)}" y1="${f1(y)}" x2="${f1(lateralX + dir * (14 + rand() * 8) * s)}" y2="${f1(y)}" stroke="white" stroke-opacity="0.4" stroke-width="${f1(1.3 * s)}"/>`;
          }
        }
      }
      return `<g clip-path="url(#lungs)">${out}</g>`;
    }
    case 'nodule':
    case 'mass': {
      let out = '';
      for (const b of f.blobs ?? []) {
        out += `<ellipse cx="${f1(b.x)}" cy="${f1(b.y)}" rx="${f1(b.rx)}" ry="${f1(b.ry)}" transform="rotate(${f1(b.rot)} ${f1(b.x)} ${f1(b.y)})" fill="white" fill-opacity="${f.kind === 'mass' ? 0.42 : 0.5}"/>`;
      }
      return out;
    }
    case 'endotracheal-tube': {
      const d = smoothPath(f.polyline!);
      return (
        `<path d="${d}" fill="none" stroke="white" stroke-opacity="0.35" stroke-width="${f1(9 * s)}"/>` +
        `<path d="${d}" fill="none" stroke="white" stroke-opacity="0.95" stroke-width="${f1(1.8 * s)}"/>`
      );
    }
    case 'enteric-tube':
      return `<path d="${smoothPath(f.polyline!)}" fill="none" stroke="white" stroke-opacity="0.85" stroke-width="${f1(3 * s)}"/>`;
    case 'central-line':
      return `<path d="${smoothPath(f.polyline!)}" fill="none" stroke="white" stroke-opacity="0.9" stroke-width="${f1(2.4 * s)}"/>`;
    case 'pacemaker': {
      const [gx, gy] = f.polyline![0];
      const leads = f.polyline!;
      let out = `<path d="${smoothPath(leads.slice(0, 4))}" fill="none" stroke="white" stroke-opacity="0.95" stroke-width="${f1(2 * s)}"/>`;
      if (leads.length > 4) out += `<path d="${smoothPath([leads[1], leads[2], leads[4]])}" fill="none" stroke="white" stroke-opacity="0.95" stroke-width="${f1(2 * s)}"/>`;
      out += `<rect x="${f1(gx - 20 * s)}" y="${f1(gy - 13 * s)}" width="${f1(40 * s)}" height="${f1(26 * s)}" rx="${f1(9 * s)}" fill="white" fill-opacity="0.97"/>`;
      return out;
    }
    default:
      return ''; // cardiomegaly, enlarged cardiomediastinum and fractures change the anatomy itself
  }
}

/** The SVG document of a study (exported for inspection and tests). */
export function studySvg(t: StudyTruth): string {
  const a = t.anatomy;
  const s = a.frame / 512;
  const e = a.exposure;
  const rand = xorshift(t.seed ^ 0x5bd1e995);
  const W = a.frame;
  const hw = a.halfWidth;
  const cx = a.cx;
  const torso: Pt[] = [
    [cx - hw - 60 * s, W], [cx - hw - 34 * s, a.apexY + 60 * s], [cx - hw - 20 * s, a.apexY - 10 * s], [cx - hw * 0.55, a.apexY - 42 * s],
    [cx - 48 * s, a.apexY - 56 * s], [cx - 42 * s, 0], [cx + 42 * s, 0], [cx + 48 * s, a.apexY - 56 * s], [cx + hw * 0.55, a.apexY - 42 * s],
    [cx + hw + 20 * s, a.apexY - 10 * s], [cx + hw + 34 * s, a.apexY + 60 * s], [cx + hw + 60 * s, W],
  ];
  const fracture = t.findings.find((f) => f.kind === 'rib-fracture');
  const pathologies = t.findings.filter((f) => !['endotracheal-tube', 'central-line', 'pacemaker', 'enteric-tube'].includes(f.kind));
  const devices = t.findings.filter((f) => ['endotracheal-tube', 'central-line', 'pacemaker', 'enteric-tube'].includes(f.kind));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${W}" viewBox="0 0 ${W} ${W}">`);
  parts.push(
    `<defs><clipPath id="lung-right"><path d="${polyPath(a.lungs.right)}"/></clipPath><clipPath id="lung-left"><path d="${polyPath(a.lungs.left)}"/></clipPath>` +
      `<clipPath id="abdomen"><rect x="0" y="${f1(a.diaphragmY.right)}" width="${W}" height="${W}"/></clipPath>` +
      `<clipPath id="lungs"><path d="${polyPath(a.lungs.right)}"/><path d="${polyPath(a.lungs.left)}"/></clipPath>` +
      `<radialGradient id="soft"><stop offset="0" stop-color="white" stop-opacity="0.75"/><stop offset="0.6" stop-color="white" stop-opacity="0.5"/><stop offset="1" stop-color="white" stop-opacity="0"/></radialGradient>` +
      `<radialGradient id="hilum"><stop offset="0" stop-color="white" stop-opacity="0.35"/><stop offset="1" stop-color="white" stop-opacity="0"/></radialGradient>` +
      `<linearGradient id="lunggrad" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${grey(e.lung)}"/><stop offset="1" stop-color="${grey(e.lung + 22)}"/></linearGradient></defs>`,
  );
  parts.push(`<rect width="${W}" height="${W}" fill="black"/>`);
  parts.push(`<path d="${smoothPath(torso)}Z" fill="${grey(e.tissue)}"/>`);
  // Liver and abdomen below the domes are denser than the chest wall.
  parts.push(`<path d="${smoothPath(torso)}Z" fill="white" fill-opacity="0.12" clip-path="url(#abdomen)"/>`);
  if (a.view === 'AP') {
    for (const dir of [-1, 1]) {
      const x = cx + dir * (hw + 6 * s);
      parts.push(`<path d="${polyPath([[x, a.apexY + 20 * s], [x - dir * 50 * s, a.apexY + 60 * s], [x + dir * 4 * s, a.apexY + 190 * s]])}" fill="white" fill-opacity="0.1"/>`);
    }
  }
  parts.push(`<path d="${polyPath(a.lungs.right)}" fill="url(#lunggrad)"/><path d="${polyPath(a.lungs.left)}" fill="url(#lunggrad)"/>`);
  parts.push(vessels(a, rand));
  for (const dir of [-1, 1]) {
    const hx = dir < 0 ? a.heart.right - 4 * s : a.cx + a.mediastinumHalf + 8 * s;
    parts.push(`<ellipse cx="${f1(hx)}" cy="${f1(a.carinaY + 34 * s)}" rx="${f1(24 * s)}" ry="${f1(34 * s)}" fill="url(#hilum)"/>`);
  }
  // Gastric air bubble under the left dome.
  parts.push(`<ellipse cx="${f1(cx + hw * 0.45)}" cy="${f1(a.diaphragmY.left + 38 * s)}" rx="${f1(26 * s)}" ry="${f1(15 * s)}" fill="${grey(e.lung + 10)}" fill-opacity="0.8"/>`);
  for (const f of pathologies) parts.push(findingSvg(f, a, rand));
  if (a.sex === 'F') {
    for (const side of ['right', 'left'] as const) {
      const dir = side === 'right' ? -1 : 1;
      parts.push(`<ellipse cx="${f1(cx + dir * hw * 0.62)}" cy="${f1(a.diaphragmY[side] - 10 * s)}" rx="${f1(hw * 0.42)}" ry="${f1(60 * s)}" fill="white" fill-opacity="0.1"/>`);
    }
  }
  // Mediastinum and heart (soft-tissue density), then the trachea's air column.
  const m = a.mediastinumHalf;
  const arch = a.apexY + 62 * s;
  const med: Pt[] = [
    [cx - m * 0.55, 0], [cx - m * 0.6, a.apexY], [cx - m * 0.95, arch], [cx - m * 0.9, a.heart.top + 20 * s],
    [cx + m * 0.8, a.heart.top + 20 * s], [cx + m * 0.95, arch + 22 * s], [cx + m * 1.12, arch - 4 * s], [cx + m * 0.75, arch - 24 * s], [cx + m * 0.55, a.apexY], [cx + m * 0.55, 0],
  ];
  parts.push(`<path d="${polyPath(med)}" fill="${grey(e.tissue + 50)}"/>`);
  parts.push(`<path d="${polyPath(a.heartOutline)}" fill="${grey(e.tissue + 54)}"/>`);
  parts.push(`<path d="${smoothPath([[a.tracheaX, 0], [a.tracheaX, a.carinaY]])}" stroke="${grey(e.lung + 20)}" stroke-opacity="0.7" stroke-width="${f1(16 * s)}" fill="none"/>`);
  parts.push(`<path d="${smoothPath([[a.tracheaX - 20 * s, a.carinaY + 28 * s], [a.tracheaX - 4 * s, a.carinaY], [a.tracheaX + 4 * s, a.carinaY], [a.tracheaX + 26 * s, a.carinaY + 32 * s]])}" stroke="${grey(e.lung + 24)}" stroke-opacity="0.6" stroke-width="${f1(10 * s)}" fill="none"/>`);
  // Spine: vertebral bodies faintly through the mediastinum.
  let spine = '';
  for (let y = 0; y < W; y += 27 * s) spine += `M${f1(cx - 18 * s)} ${f1(y)}h${f1(36 * s)}v${f1(21 * s)}h${f1(-36 * s)}Z`;
  parts.push(`<path d="${spine}" fill="white" fill-opacity="0.1"/>`);
  // Ribs and clavicles (bone density).
  // All ribs as one path (one stroke pass for librsvg: the most expensive layer otherwise).
  let ribs = '';
  for (const r of a.ribs) {
    if (fracture && fracture.side === r.side && fracture.rib!.index === r.index) {
      const { t: ft, shift } = fracture.rib!;
      // A lucent fracture line across the rib and a short displaced fragment beside it (step-off).
      ribs += ribPath(r, 0, ft - 0.012) + ribPath(r, ft + 0.012, ft + 0.06, shift) + ribPath(r, ft + 0.06, 1);
    } else ribs += ribPath(r);
  }
  const ribWidth = a.ribs.reduce((t, r) => t + r.width, 0) / a.ribs.length;
  parts.push(`<path d="${ribs}" fill="none" stroke="white" stroke-opacity="0.26" stroke-linecap="butt" stroke-width="${f1(ribWidth)}"/>`);
  let clav = '';
  for (const c of a.clavicles) clav += `<path d="M${f1(c.p0[0])} ${f1(c.p0[1])}Q${f1(c.p1[0])} ${f1(c.p1[1])} ${f1(c.p2[0])} ${f1(c.p2[1])}"/>`;
  parts.push(`<g fill="none" stroke="${grey(e.bone)}" stroke-opacity="0.55" stroke-width="${f1(12 * s)}" stroke-linecap="round">${clav}</g>`);
  for (const f of devices) parts.push(findingSvg(f, a, rand));
  parts.push('</svg>');
  return parts.join('');
}

/** Rasterize a study to PNG bytes (greyscale, frame×frame). */
export async function renderStudyPng(t: StudyTruth): Promise<Buffer> {
  const W = t.anatomy.frame;
  const raw = await sharp(Buffer.from(studySvg(t)), { density: 72 }).extractChannel(0).raw().toBuffer();
  if (raw.length !== W * W) throw new Error(`render ${t.id}: rasterized ${raw.length} bytes, expected ${W * W}`);
  const out = unsharpAndMottle(raw, W, t.seed, t.anatomy.exposure.noise);
  return sharp(out, { raw: { width: W, height: W, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 2, adaptiveFiltering: false }).toBuffer();
}

/**
 * A fixed 512×512 field of film-grain noise: white Gaussian noise smoothed by a 3×3 binomial kernel
 * (neighbouring pixels correlated, like quantum mottle seen through the detector's blur), rescaled
 * to unit variance and stored ×64. Generated once from a constant seed.
 */
const GRAIN = 512;
let grainField: Int16Array | null = null;
function grain(): Int16Array {
  if (grainField) return grainField;
  const n = GRAIN * GRAIN;
  const white = new Float32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < 4; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      sum += (x >>> 0) / 4294967296;
    }
    white[i] = (sum - 2) * Math.sqrt(3); // Irwin–Hall(4), unit variance
  }
  const at = (yy: number, xx: number) => white[((yy + GRAIN) % GRAIN) * GRAIN + ((xx + GRAIN) % GRAIN)];
  const field = new Float32Array(n);
  let sq = 0;
  for (let yy = 0; yy < GRAIN; yy++) {
    for (let xx = 0; xx < GRAIN; xx++) {
      const v =
        at(yy - 1, xx - 1) + 2 * at(yy - 1, xx) + at(yy - 1, xx + 1) +
        2 * at(yy, xx - 1) + 4 * at(yy, xx) + 2 * at(yy, xx + 1) +
        at(yy + 1, xx - 1) + 2 * at(yy + 1, xx) + at(yy + 1, xx + 1);
      field[yy * GRAIN + xx] = v;
      sq += v * v;
    }
  }
  const norm = 64 / Math.sqrt(sq / n);
  grainField = Int16Array.from(field, (v) => Math.round(v * norm));
  return grainField;
}

/**
 * Radiographic unsharpness and film grain in one sweep: a separable 3-tap binomial blur (1 2 1)/4
 * (σ ≈ 0.7 pixel at 512), then correlated grain of standard deviation `amp` grey levels, read from
 * the fixed grain field at a per-study toroidal offset.
 */
export function unsharpAndMottle(px: Buffer, W: number, seed: number, amp: number): Buffer {
  const H = px.length / W;
  const tmp = new Int32Array(px.length);
  for (let y = 0; y < H; y++) {
    const r = y * W;
    tmp[r] = 3 * px[r] + px[r + 1];
    for (let i = r + 1, end = r + W - 1; i < end; i++) tmp[i] = px[i - 1] + 2 * px[i] + px[i + 1];
    tmp[r + W - 1] = px[r + W - 2] + 3 * px[r + W - 1];
  }
  const out = new Uint8ClampedArray(px.length);
  const field = grain();
  const mask = GRAIN - 1;
  const dx = (seed >>> 0) & mask;
  const dy = (seed >>> 9) & mask;
  const gain = amp / 4; // the field is N(0,1)×64 and the blur sum is ×16: grain of `amp` grey levels
  for (let y = 0; y < H; y++) {
    const yb = (y > 0 ? y - 1 : 0) * W;
    const yc = y * W;
    const yd = (y < H - 1 ? y + 1 : H - 1) * W;
    const g = ((y + dy) & mask) * GRAIN;
    for (let x = 0; x < W; x++) {
      out[yc + x] = (tmp[yb + x] + 2 * tmp[yc + x] + tmp[yd + x] + field[g + ((x + dx) & mask)] * gain) / 16; // the clamped array rounds
    }
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
