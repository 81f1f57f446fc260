/**
 * Open-I / Indiana University chest X-ray reports (../shared/data/iu-xray): the original
 * `ecgen-radiology/N.xml` files (loose or inside NLMCXR_reports.tgz), the Kaggle tables
 * (indiana_reports.csv + indiana_projections.csv) and the R2Gen train/val/test split. Reports only:
 * images are referenced by name (they are not in the shared data).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Study } from '../types.js';
import { DataError, guard, readCsv, readText, type Loaded, type LoaderOptions, type Skipped } from './common.js';
import { readTar } from './tar.js';

export interface OpenIReport {
  uid: string;
  findings: string;
  impression: string;
  indication: string;
  comparison: string;
  /** MeSH terms (major, then automatic). */
  mesh: string[];
  /** Image ids / file names of the study (frontal first where known). */
  images: string[];
  /** Projection per image where known ('Frontal' | 'Lateral'). */
  projections?: string[];
  /** Free-text examination title (Kaggle 'image' column), e.g. "Xray Chest PA and Lateral". */
  exam?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;
const clean = (s: string) => decodeXml(s).replace(/\s+/g, ' ').trim();

/** Parse one ecgen-radiology XML report; `file` names it in errors. */
export function parseOpenIXml(xml: string, file: string): OpenIReport {
  if (!/<eCitation[\s>]/.test(xml)) throw new DataError(file, 1, 'no <eCitation> element: not an ecgen-radiology report');
  if (!/<\/eCitation>/.test(xml)) throw new DataError(file, lineAt(xml, xml.length), 'unterminated <eCitation> element (truncated file?)');
  const id = /<IUXRId id="([^"]*)"/.exec(xml) ?? /<uId id="CXR([^"]*)"/.exec(xml);
  if (!id) throw new DataError(file, 1, 'no <IUXRId id="…"> (report id)');
  const sections: Record<string, string> = {};
  const re = /<AbstractText Label="([A-Z ]+)"\s*(\/>|>([\s\S]*?)(<\/AbstractText>|<AbstractText|<\/Abstract>))/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    if (m[2] !== '/>' && m[4] !== '</AbstractText>') throw new DataError(file, lineAt(xml, m.index), `unclosed <AbstractText Label="${m[1]}">`);
    sections[m[1]] = m[3] ? clean(m[3]) : '';
  }
  const mesh: string[] = [];
  for (const tag of ['major', 'automatic']) {
    const r = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
    for (let m = r.exec(xml); m; m = r.exec(xml)) mesh.push(clean(m[1]));
  }
  const images: string[] = [];
  const ri = /<parentImage id="([^"]+)"/g;
  for (let m = ri.exec(xml); m; m = ri.exec(xml)) images.push(m[1]);
  return {
    uid: id[1],
    findings: sections.FINDINGS ?? '',
    impression: sections.IMPRESSION ?? '',
    indication: sections.INDICATION ?? '',
    comparison: sections.COMPARISON ?? '',
    mesh,
    images,
  };
}

/** Reports from a directory of XML files or from the NLMCXR_reports.tgz archive. */
export function loadOpenIXml(path: string, opts: LoaderOptions = {}): Loaded<OpenIReport> {
  const skipped: Skipped[] = [];
  const items: OpenIReport[] = [];
  const docs: { name: string; text: string }[] = [];
  if (!existsSync(path)) throw new DataError(path, undefined, 'not found');
  if (/\.(tgz|tar\.gz|tar)$/.test(path)) {
    for (const e of readTar(path)) if (e.name.endsWith('.xml')) docs.push({ name: `${path}:${e.name}`, text: e.data.toString('utf8') });
  } else {
    for (const f of readdirSync(path).filter((x) => x.endsWith('.xml')).sort()) docs.push({ name: join(path, f), text: readFileSync(join(path, f), 'utf8') });
  }
  for (const d of docs) {
    const r = guard(d.name, undefined, opts.lenient, skipped, () => parseOpenIXml(d.text, d.name));
    if (r) items.push(r);
  }
  items.sort((a, b) => Number(a.uid) - Number(b.uid) || a.uid.localeCompare(b.uid));
  return { items, skipped };
}

/** Reports from the Kaggle tables (projections optional: they give the image files and their views). */
export function loadOpenIKaggle(reportsCsv: string, projectionsCsv?: string, opts: LoaderOptions = {}): Loaded<OpenIReport> {
  const t = readCsv(reportsCsv, ['uid', 'MeSH', 'image', 'indication', 'comparison', 'findings', 'impression'], opts);
  const skipped = [...t.skipped];
  const proj = new Map<string, { file: string; projection: string }[]>();
  if (projectionsCsv) {
    const p = readCsv(projectionsCsv, ['uid', 'filename', 'projection'], opts);
    skipped.push(...p.skipped);
    for (const r of p.rows) {
      guard(projectionsCsv, r.line, opts.lenient, skipped, () => {
        const pr = r.get('projection');
        if (pr !== 'Frontal' && pr !== 'Lateral') throw new DataError(projectionsCsv, r.line, `column 'projection': expected Frontal or Lateral, got '${pr}'`);
        const list = proj.get(r.get('uid')) ?? [];
        list.push({ file: r.get('filename'), projection: pr });
        proj.set(r.get('uid'), list);
      });
    }
  }
  const items: OpenIReport[] = [];
  const seen = new Set<string>();
  for (const r of t.rows) {
    const rep = guard(reportsCsv, r.line, opts.lenient, skipped, () => {
      const uid = r.get('uid').trim();
      if (!/^\d+$/.test(uid)) throw new DataError(reportsCsv, r.line, `column 'uid': expected an integer id, got '${uid}'`);
      if (seen.has(uid)) throw new DataError(reportsCsv, r.line, `duplicate uid ${uid}`);
      seen.add(uid);
      const images = (proj.get(uid) ?? []).slice().sort((a, b) => (a.projection === b.projection ? a.file.localeCompare(b.file) : a.projection === 'Frontal' ? -1 : 1));
      const mesh = r.get('MeSH').split(';').map((x) => x.trim()).filter(Boolean);
      const report: OpenIReport = {
        uid,
        findings: r.get('findings').replace(/\s+/g, ' ').trim(),
        impression: r.get('impression').replace(/\s+/g, ' ').trim(),
        indication: r.get('indication').trim(),
        comparison: r.get('comparison').trim(),
        mesh,
        images: images.map((x) => x.file),
        exam: r.get('image').trim(),
      };
      if (projectionsCsv) report.projections = images.map((x) => x.projection);
      return report;
    });
    if (rep) items.push(rep);
  }
  return { items, skipped };
}

/** R2Gen's split file: uid -> 'train' | 'val' | 'test' (ids look like "CXR2384_IM-0942"). */
export function loadR2GenSplit(file: string): Map<string, 'train' | 'val' | 'test'> {
  let data: Record<string, { id: string }[]>;
  try {
    data = JSON.parse(readText(file)) as Record<string, { id: string }[]>;
  } catch (e) {
    throw new DataError(file, undefined, `not valid JSON (${(e as Error).message})`);
  }
  const out = new Map<string, 'train' | 'val' | 'test'>();
  for (const split of ['train', 'val', 'test'] as const) {
    const list = data[split];
    if (!Array.isArray(list)) throw new DataError(file, undefined, `no '${split}' list`);
    list.forEach((e, i) => {
      const m = /^CXR(\d+)_/.exec(e?.id ?? '');
      if (!m) throw new DataError(file, undefined, `${split}[${i}]: id '${e?.id}' is not of the form CXR<uid>_…`);
      out.set(m[1], split);
    });
  }
  return out;
}

/**
 * Open-I reports as Studies (text only: sex and age unknown; view from the exam title when it says
 * PA or AP). Each report is its own patient: Open-I publishes no patient ids. `image` is the first
 * frontal image name under `images/`.
 */
export function openIToStudies(reports: readonly OpenIReport[]): Study[] {
  return reports.map((r) => {
    const exam = r.exam ?? '';
    const view = /\bAP\b/.test(exam) && !/\bPA\b/.test(exam) ? 'AP' : /\bPA\b/.test(exam) ? 'PA' : 'U';
    const first = r.images[0] ?? `CXR${r.uid}`;
    return {
      id: `openi-${r.uid}`,
      patientId: `openi-${r.uid}`,
      image: `images/${/\.(png|jpe?g)$/i.test(first) ? first : `${first}.png`}`,
      frame: 512,
      sex: 'U',
      age: -1,
      view,
      labels: {},
      boxes: [],
      findings: r.findings,
      impression: r.impression,
      source: 'openi',
      meta: { mesh: r.mesh, indication: r.indication, images: r.images, textOnly: true },
    };
  });
}
