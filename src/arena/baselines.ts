/**
 * The IU (Open-I) report baselines as arena contestants. The baselines themselves live in
 * src/eval/baselines.ts (constant most-frequent report, indication nearest-neighbour retriever,
 * MeSH-oracle retriever); this adds a seeded random-training-report floor and wraps them as
 * `ModelPredictions`.
 */
import { constantReport, indicationRetriever, loadIuR2Gen, meshOracleRetriever, type IuStudy } from '../eval/baselines.js';
import { Rng } from '../util/rng.js';
import type { ModelPredictions } from './types.js';

export type { IuStudy };

/** The IU R2Gen split with indications and MeSH tags (src/eval/baselines.ts). */
export function loadIuStudies(): IuStudy[] {
  return loadIuR2Gen();
}

/** Reference reports of the given studies (their FINDINGS, as R2Gen uses them). */
export function iuReferences(studies: readonly IuStudy[]): Map<string, string> {
  return new Map(studies.map((s) => [s.id, s.findings]));
}

/**
 * Four contestants for the `target` studies, retrieving from the `train` studies:
 * `constant-normal` (the most frequent training report, a normal one), `random-train` (a training
 * report drawn per study with `seed`), `nn-indication`, and `oracle-mesh-nn` (an ORACLE: it reads
 * the test study's own MeSH tags).
 */
export function iuBaselines(train: readonly IuStudy[], target: readonly IuStudy[], seed: number): ModelPredictions[] {
  if (train.length === 0) throw new Error('IU baselines: empty training pool');
  const rng = new Rng(seed);
  const byIndex = (texts: readonly string[]) => new Map(target.map((s, k) => [s.id, texts[k]]));
  const constant = constantReport(train);
  return [
    { name: 'constant-normal', reports: byIndex(target.map(() => constant)) },
    { name: 'random-train', reports: byIndex(target.map(() => train[rng.int(0, train.length - 1)].findings)) },
    { name: 'nn-indication', reports: byIndex(indicationRetriever(train, target)) },
    { name: 'oracle-mesh-nn', reports: byIndex(meshOracleRetriever(train, target)) },
  ];
}
