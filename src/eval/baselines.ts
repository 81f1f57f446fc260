/**
 * Simple report-generation baselines on the IU X-ray (Open-I) R2Gen split, which need no images and
 * show what the metrics reward:
 * - `constantReport`: the most frequent training report (a normal study), output for every study;
 * - `indicationRetriever`: the training report whose INDICATION (the clinical question, known
 *   before the image is read) is nearest by TF-IDF cosine — a nearest-neighbour retriever without
 *   images;
 * - `meshOracleRetriever`: the training report whose MeSH tags are nearest (Jaccard) to the test
 *   study's own tags — an ORACLE (it reads the test study's labels), an upper reference for how much
 *   picking a report with the right findings helps each metric.
 */
import { readFileSync } from 'node:fs';
import { sharedPath } from '../util/paths.js';
import { parseCsv } from '../labels/label-files.js';
// natural's TF-IDF module alone: the package's index also loads optional storage back-ends that print on import.
import { TfIdf } from 'natural/lib/natural/tfidf/index.js';

export interface IuStudy {
  id: string;
  split: 'train' | 'val' | 'test';
  /** The R2Gen "report" (the FINDINGS section). */
  findings: string;
  indication: string;
  /** MeSH string, e.g. "Cardiomegaly/borderline;Pulmonary Artery/enlarged". */
  mesh: string;
}

/** The R2Gen split of ../shared/data/iu-xray with each study's indication and MeSH tags. */
export function loadIuR2Gen(): IuStudy[] {
  const ann = sharedPath('data', 'iu-xray', 'r2gen_annotation.json');
  const csv = sharedPath('data', 'iu-xray', 'indiana_reports.csv');
  if (!ann || !csv) throw new Error('IU X-ray data not found under ../shared/data/iu-xray');
  const { rows } = parseCsv(readFileSync(csv, 'utf8'));
  const h = rows[0];
  const [uidC, meshC, indC] = ['uid', 'MeSH', 'indication'].map((c) => h.indexOf(c));
  const byUid = new Map(rows.slice(1).map((r) => [r[uidC], { mesh: r[meshC] ?? '', indication: r[indC] ?? '' }]));
  const splits = JSON.parse(readFileSync(ann, 'utf8')) as Record<string, { id: string; report: string }[]>;
  const out: IuStudy[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    for (const s of splits[split] ?? []) {
      const uid = /^CXR(\d+)_/.exec(s.id)?.[1];
      const meta = uid ? byUid.get(uid) : undefined;
      out.push({ id: s.id, split, findings: s.report, indication: meta?.indication ?? '', mesh: meta?.mesh ?? '' });
    }
  }
  return out;
}

const words = (s: string): string[] => s.toLowerCase().match(/[a-z]+/g)?.filter((w) => w !== 'xxxx') ?? [];

/** The most frequent training report (ties: the first seen). */
export function constantReport(train: readonly IuStudy[]): string {
  const counts = new Map<string, number>();
  for (const s of train) counts.set(s.findings, (counts.get(s.findings) ?? 0) + 1);
  let best = '';
  let n = -1;
  for (const [t, c] of counts) if (c > n) (best = t), (n = c);
  return best;
}

/**
 * TF-IDF vectors of token lists, L2-normalized, with natural's idf (1 + ln(N / (1 + df)) over the
 * training documents); a test token the training documents never use has no weight.
 */
function tfidfVectors(train: string[][], docs: string[][]): Map<string, number>[] {
  const model = new TfIdf();
  for (const d of train) model.addDocument(d);
  const seen = new Set(train.flat());
  return docs.map((d) => {
    const v = new Map<string, number>();
    for (const w of d) if (seen.has(w)) v.set(w, (v.get(w) ?? 0) + model.idf(w));
    const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  });
}

/** For each test study, the findings of the training study with the nearest indication. */
export function indicationRetriever(train: readonly IuStudy[], test: readonly IuStudy[]): string[] {
  const fallback = constantReport(train);
  const trainDocs = train.map((s) => words(s.indication));
  const vecs = tfidfVectors(trainDocs, trainDocs);
  const q = tfidfVectors(trainDocs, test.map((s) => words(s.indication)));
  return q.map((qv) => {
    if (qv.size === 0) return fallback;
    let best = -1;
    let score = 0;
    vecs.forEach((v, i) => {
      let dot = 0;
      for (const [w, x] of qv) dot += x * (v.get(w) ?? 0);
      if (dot > score) (score = dot), (best = i);
    });
    return best >= 0 ? train[best].findings : fallback;
  });
}

const meshSet = (m: string): Set<string> => new Set(m.split(';').map((t) => t.trim().toLowerCase()).filter(Boolean));

/** ORACLE: for each test study, the findings of the training study with the nearest MeSH tags. */
export function meshOracleRetriever(train: readonly IuStudy[], test: readonly IuStudy[]): string[] {
  const trainSets = train.map((s) => meshSet(s.mesh));
  return test.map((s) => {
    const q = meshSet(s.mesh);
    let best = 0;
    let score = -1;
    trainSets.forEach((t, i) => {
      let both = 0;
      for (const x of q) if (t.has(x)) both++;
      const j = both / (q.size + t.size - both || 1);
      if (j > score) (score = j), (best = i);
    });
    return train[best].findings;
  });
}
