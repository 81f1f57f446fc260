/**
 * The synthetic cohort on disk: `buildCohort` renders n studies into DIR (studies.jsonl, images/,
 * manifest.json), writing into a temporary sibling directory and renaming it into place only when
 * complete; `readStudies` reads a cohort (or any studies.jsonl) back with validation.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Progress } from '../util/progress.js';
import { readJson, readJsonlDetailed, writeJson } from '../util/fsx.js';
import { FINDING_NAMES, type Finding } from './findings.js';
import { cohortTruths, type StudyTruth } from './phantom.js';
import { renderStudyPng } from './render.js';
import { writeReport } from './report.js';
import { CHEXPERT_OBSERVATIONS, type Study } from './types.js';
import { resolveInside } from './safe-path.js';

export interface CohortOptions {
  n: number;
  seed: number;
  /** Frame side in pixels (512: the paper's bound). */
  frame?: number;
  normalFraction?: number;
  /** Studies rendered concurrently (sharp works off the main thread). */
  concurrency?: number;
  quiet?: boolean;
  /** Runs on the complete temporary directory before it is renamed into place (write derived files there). */
  beforeCommit?: (tmpDir: string, studies: Study[]) => Promise<void> | void;
}

export interface CohortManifest {
  kind: 'deepmedix-synthetic-cohort';
  version: 1;
  n: number;
  seed: number;
  frame: number;
  normalFraction: number;
  patients: number;
}

/** Structured truth of one finding as stored in `Study.meta.findings`. */
export interface FindingMeta {
  kind: string;
  name: string;
  side?: string;
  zone?: string;
  size?: string;
  severity?: string;
  variant?: string;
  mm?: number;
  boxes: [number, number, number, number][];
}

function findingMeta(f: Finding): FindingMeta {
  const m: FindingMeta = { kind: f.kind, name: FINDING_NAMES[f.kind], boxes: f.boxes };
  if (f.side) m.side = f.side;
  if (f.zone) m.zone = f.zone;
  if (f.size) m.size = f.size;
  if (f.severity) m.severity = f.severity;
  if (f.variant) m.variant = f.variant;
  if (f.mm !== undefined) m.mm = f.mm;
  if (f.kind === 'rib-fracture') m.variant = `rib ${f.rib!.index}`;
  return m;
}

/** The Study record of a rendered truth (image path relative to the cohort directory). */
export function studyRecord(t: StudyTruth): Study {
  const report = writeReport(t);
  const labels: Study['labels'] = {};
  for (const o of CHEXPERT_OBSERVATIONS) if (report.labels[o] !== undefined) labels[o] = report.labels[o];
  return {
    id: t.id,
    patientId: t.patientId,
    image: `images/${t.id}.png`,
    frame: t.anatomy.frame,
    sex: t.sex,
    age: t.age,
    view: t.view,
    labels,
    boxes: t.findings.flatMap((f) => f.boxes.map((box) => ({ finding: FINDING_NAMES[f.kind], box }))),
    findings: report.findings,
    impression: report.impression,
    source: 'synthetic',
    meta: { visit: t.visit, findings: t.findings.map(findingMeta) },
  };
}

/**
 * Render a cohort into `out`. The directory appears only when complete (written as a temporary
 * sibling, then renamed); an existing `out` is replaced. Same options, byte-identical files.
 */
export async function buildCohort(out: string, opts: CohortOptions): Promise<{ dir: string; studies: Study[]; seconds: number }> {
  const frame = opts.frame ?? 512;
  const normalFraction = opts.normalFraction ?? 0.3;
  if (!Number.isInteger(opts.n) || opts.n < 1) throw new Error(`cohort size must be a positive integer, got ${opts.n}`);
  const dir = resolve(out);
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'images'), { recursive: true });
  const t0 = Date.now();
  // Truths are made one at a time and dropped once rendered: memory stays flat with the cohort size.
  const truths = cohortTruths(opts.n, { seed: opts.seed, frame, normalFraction });
  const studies: Study[] = [];
  const bar = new Progress({ label: 'cohort', total: opts.n, quiet: opts.quiet });
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const worker = async () => {
    for (let next = truths.next(); !next.done; next = truths.next()) {
      const t = next.value;
      const rec = studyRecord(t);
      studies.push(rec);
      const png = await renderStudyPng(t);
      writeFileSync(join(tmp, rec.image), png);
      bar.tick();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  writeFileSync(join(tmp, 'studies.jsonl'), studies.map((s) => JSON.stringify(s)).join('\n') + '\n');
  const manifest: CohortManifest = {
    kind: 'deepmedix-synthetic-cohort',
    version: 1,
    n: studies.length,
    seed: opts.seed,
    frame,
    normalFraction,
    patients: new Set(studies.map((s) => s.patientId)).size,
  };
  writeJson(join(tmp, 'manifest.json'), manifest);
  if (opts.beforeCommit) {
    try {
      await opts.beforeCommit(tmp, studies);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  if (existsSync(dir)) {
    const old = `${tmp}.old`;
    renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(tmp, dir);
  }
  const seconds = (Date.now() - t0) / 1000;
  bar.finish(`${(studies.length / Math.max(seconds, 1e-3)).toFixed(0)} studies/s`);
  return { dir, studies, seconds };
}

const VIEWS = ['PA', 'AP', 'U'];

/** Check one study row; returns an error message naming the field, or null. */
export function validateStudy(s: unknown): string | null {
  if (typeof s !== 'object' || s === null) return 'not an object';
  const r = s as Record<string, unknown>;
  for (const k of ['id', 'patientId', 'image', 'findings', 'impression', 'source']) if (typeof r[k] !== 'string') return `field '${k}' must be a string`;
  if (typeof r.frame !== 'number' || r.frame <= 0) return `field 'frame' must be a positive number`;
  if (r.sex !== 'M' && r.sex !== 'F' && r.sex !== 'U') return `field 'sex' must be M, F or U`;
  if (typeof r.age !== 'number') return `field 'age' must be a number`;
  if (!VIEWS.includes(r.view as string)) return `field 'view' must be PA, AP or U`;
  if (typeof r.labels !== 'object' || r.labels === null) return `field 'labels' must be an object`;
  for (const [k, v] of Object.entries(r.labels as Record<string, unknown>)) {
    if (!(CHEXPERT_OBSERVATIONS as readonly string[]).includes(k)) return `labels: unknown observation '${k}'`;
    if (v !== 1 && v !== 0 && v !== -1) return `labels.${k} must be 1, 0 or -1`;
  }
  if (!Array.isArray(r.boxes)) return `field 'boxes' must be a list`;
  for (const [i, b] of (r.boxes as unknown[]).entries()) {
    const fb = b as { finding?: unknown; box?: unknown };
    if (typeof fb?.finding !== 'string' || !Array.isArray(fb.box) || fb.box.length !== 4 || !fb.box.every((v) => typeof v === 'number')) return `boxes[${i}] must be {finding, box: [x_min, y_min, x_max, y_max]}`;
    const [x0, y0, x1, y1] = fb.box as number[];
    if (x0 < 0 || y0 < 0 || x1 > (r.frame as number) || y1 > (r.frame as number) || x1 < x0 || y1 < y0) return `boxes[${i}] ${JSON.stringify(fb.box)} lies outside the ${r.frame}-pixel frame or is inverted`;
  }
  return null;
}

export interface ReadStudiesOptions {
  /** Skip (and count) bad rows instead of throwing. */
  lenient?: boolean;
}

/**
 * Read `DIR/studies.jsonl`. A cohort directory without its manifest (a half-written one) is refused;
 * a bare studies.jsonl elsewhere is read as is. Bad rows are errors naming file and line (or skipped
 * and counted when lenient); image paths must stay inside DIR.
 */
export function readStudies(dir: string, opts: ReadStudiesOptions = {}): { studies: Study[]; skipped: { line: number; error: string }[]; manifest?: CohortManifest } {
  const file = join(dir, 'studies.jsonl');
  if (!existsSync(file)) {
    const partial = existsSync(dir) ? '' : ' (directory missing)';
    throw new Error(`${file}: not found${partial}; build a cohort with 'deepmedix cohort --out ${dir}'`);
  }
  const manifestPath = join(dir, 'manifest.json');
  const manifest = existsSync(manifestPath) ? readJson<CohortManifest>(manifestPath) : undefined;
  const { rows, skipped } = readJsonlDetailed<Study>(file, { lenient: opts.lenient });
  const studies: Study[] = [];
  // readJsonlDetailed drops blank lines; recover line numbers by counting non-blank lines.
  const lineOf = lineNumbers(file);
  rows.forEach((row, i) => {
    let err = validateStudy(row);
    if (!err) {
      try {
        resolveInside(dir, row.image);
      } catch (e) {
        err = (e as Error).message;
      }
    }
    if (err) {
      const msg = `${file}:${lineOf[i] ?? '?'}: ${err}`;
      if (!opts.lenient) throw new Error(msg);
      skipped.push({ line: lineOf[i] ?? -1, error: msg });
      return;
    }
    studies.push(row);
  });
  if (manifest && manifest.kind === 'deepmedix-synthetic-cohort' && manifest.n !== studies.length + skipped.length) {
    throw new Error(`${file}: manifest says ${manifest.n} studies but the file has ${studies.length + skipped.length}; the cohort is incomplete`);
  }
  return { studies, skipped, manifest };
}

function lineNumbers(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  const out: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() !== '') {
      try {
        JSON.parse(l);
        out.push(i + 1);
      } catch {
        /* skipped rows are reported by the JSONL reader */
      }
    }
  });
  return out;
}

