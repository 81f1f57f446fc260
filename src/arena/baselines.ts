/**
 * Report baselines on the IU (Open-I) reports of ../shared/data/iu-xray, so the arena has models to
 * rank before any trained model exists. There are no IU images here, so no baseline looks at an
 * image; each is named for what it uses:
 *  - `constant-normal`: the same report for every study — the most frequent training report among
 *    studies whose MeSH tags say "normal";
 *  - `random-train`: a training report drawn at random (seeded) per study;
 *  - `nn-indication`: the training report of the study whose indication (clinical history, an input
 *    a radiologist also has) is nearest by TF-IDF cosine;
 *  - `oracle-mesh-nn`: the training report of the study whose MeSH tags (the test study's own
 *    findings, i.e. ground truth) are nearest by Jaccard similarity — an ORACLE, an upper reference
 *    for retrieval, not a fair model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../metrics/labelFiles.js';
import { sharedPath } from '../util/paths.js';
import { Rng } from '../util/rng.js';
import type { ModelPredictions } from './types.js';

export interface IuStudy {
  id: string;
  split: 'train' | 'val' | 'test';
  report: string;
  /** MeSH tags (major/automatic, without attributes), lower-cased; ['normal'] for normal studies. */
  mesh: string[];
  indication: string;
}

/** Load the IU studies of the R2Gen split with their MeSH tags and indication. */
export function loadIuStudies(dir?: string): IuStudy[] {
  const root = dir ?? sharedPath('data', 'iu-xray');
  if (!root) throw new Error('IU reports not found (expected ../shared/data/iu-xray)');
  const annPath = join(root, 'r2gen_annotation.json');
  const ann = JSON.parse(readFileSync(annPath, 'utf8')) as Record<string, { id: string; report: string; split: string }[]>;
  const meshPath = join(root, 'iu_mesh_impression.json');
  const mesh = JSON.parse(readFileSync(meshPath, 'utf8')) as Record<string, { iu_mesh?: string }>;
  const csvPath = join(root, 'indiana_reports.csv');
  const { rows } = parseCsv(readFileSync(csvPath, 'utf8'));
  const header = rows[0];
  const uidCol = header.indexOf('uid');
  const indCol = header.indexOf('indication');
  if (uidCol < 0 || indCol < 0) throw new Error(`${csvPath}: expected columns uid and indication, found ${header.join(', ')}`);
  const indication = new Map(rows.slice(1).map((r) => [r[uidCol], r[indCol] ?? '']));
  const out: IuStudy[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    for (const s of ann[split] ?? []) {
      const uid = /^CXR(\d+)_/.exec(s.id)?.[1];
      if (!uid) throw new Error(`${annPath}: study id '${s.id}' does not look like CXR<uid>_…`);
      const tags = (mesh[s.id]?.iu_mesh ?? '')
        .split(';')
        .map((t) => t.split('/')[0].trim().toLowerCase())
        .filter(Boolean);
      out.push({ id: s.id, split, report: s.report, mesh: [...new Set(tags)], indication: indication.get(uid) ?? '' });
    }
  }
  return out;
}

const words = (t: string) => t.toLowerCase().replace(/xxxx/g, ' ').match(/[a-z]+/g) ?? [];

/** TF-IDF vectors (log-scaled idf, L2-normalized) over a corpus. */
function tfidf(docs: string[][]): { vectors: Map<string, number>[]; idf: Map<string, number> } {
  const df = new Map<string, number>();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = new Map([...df].map(([w, n]) => [w, Math.log((1 + docs.length) / (1 + n)) + 1]));
  return { vectors: docs.map((d) => vectorize(d, idf)), idf };
}

function vectorize(doc: string[], idf: Map<string, number>): Map<string, number> {
  const v = new Map<string, number>();
  for (const w of doc) if (idf.has(w)) v.set(w, (v.get(w) ?? 0) + idf.get(w)!);
  const norm = Math.sqrt([...v.values()].reduce((a, b) => a + b * b, 0));
  if (norm > 0) for (const [w, x] of v) v.set(w, x / norm);
  return v;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let s = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const [w, x] of small) s += x * (large.get(w) ?? 0);
  return s;
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  let both = 0;
  for (const x of new Set(b)) if (sa.has(x)) both++;
  const union = sa.size + new Set(b).size - both;
  return union === 0 ? 1 : both / union;
}

/** Index of the best-scoring candidate (first on ties, so results are deterministic). */
function argmax(n: number, score: (k: number) => number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let k = 0; k < n; k++) {
    const s = score(k);
    if (s > bestScore) (bestScore = s), (best = k);
  }
  return best;
}

/** The four baselines' predictions for the `target` studies, retrieving from the `pool` studies. */
export function iuBaselines(pool: readonly IuStudy[], target: readonly IuStudy[], seed: number): ModelPredictions[] {
  if (pool.length === 0) throw new Error('IU baselines: empty retrieval pool');
  const normals = pool.filter((s) => s.mesh.length === 1 && s.mesh[0] === 'normal');
  const freq = new Map<string, number>();
  for (const s of normals.length ? normals : pool) freq.set(s.report, (freq.get(s.report) ?? 0) + 1);
  const constant = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const rng = new Rng(seed);
  const { vectors, idf } = tfidf(pool.map((s) => words(s.indication)));
  const byId = (f: (s: IuStudy) => string) => new Map(target.map((s) => [s.id, f(s)]));
  return [
    { name: 'constant-normal', reports: byId(() => constant) },
    { name: 'random-train', reports: byId(() => pool[rng.int(0, pool.length - 1)].report) },
    {
      name: 'nn-indication',
      reports: byId((s) => {
        const q = vectorize(words(s.indication), idf);
        return pool[argmax(pool.length, (k) => cosine(q, vectors[k]))].report;
      }),
    },
    { name: 'oracle-mesh-nn', reports: byId((s) => pool[argmax(pool.length, (k) => jaccard(s.mesh, pool[k].mesh))].report) },
  ];
}
