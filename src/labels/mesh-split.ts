/**
 * The IU (Open-I) reports with their MeSH tags, split once into a CALIBRATION part (where the
 * labeler's rules were written, looking at its errors) and a HELD-OUT part (whose errors were never
 * looked at while writing rules; it only checks that the rules generalise).
 *
 * The split is seeded and stratified so that the rare observations land in both parts: each study
 * goes to the stratum of the rarest of the eight checked observations its MeSH tags carry
 * (Pneumothorax, Edema, Fracture, Pleural Effusion, Support Devices, Atelectasis, Cardiomegaly,
 * No Finding, in that order, the order of their frequency on the 2,955 reports; studies with none
 * form one more stratum); within each stratum the study ids, sorted, are shuffled with the seed and
 * the first round(fraction × size) are held out. Defaults: seed 21, fraction 0.4.
 */
import { readFileSync } from 'node:fs';
import type { Observation } from '../data/types.js';
import { Rng } from '../util/rng.js';
import { sharedPath } from '../util/paths.js';
import { meshObservations } from './mesh-check.js';

/** The eight observations the MeSH check scores (those with a clear MeSH counterpart). */
export const MESH_CHECKED: readonly Observation[] = [
  'Cardiomegaly', 'Pleural Effusion', 'Atelectasis', 'Edema', 'Fracture', 'Pneumothorax', 'Support Devices', 'No Finding',
];

/** Rarest first: the stratum of a study is the first of these its MeSH tags carry. */
const STRATUM_ORDER: readonly Observation[] = [
  'Pneumothorax', 'Edema', 'Fracture', 'Pleural Effusion', 'Support Devices', 'Atelectasis', 'Cardiomegaly', 'No Finding',
];

export interface MeshStudy {
  id: string;
  /** FINDINGS then IMPRESSION, one per line (the text the labeler reads). */
  text: string;
  /** The MeSH string, e.g. "Cardiomegaly/borderline;Pulmonary Artery/enlarged". */
  mesh: string;
  observations: Set<Observation>;
}

/** The 2,955 IU studies of ../shared/data/iu-xray/iu_mesh_impression.json, in id order; null when absent. */
export function loadMeshStudies(path = sharedPath('data', 'iu-xray', 'iu_mesh_impression.json')): MeshStudy[] | null {
  if (!path) return null;
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { report?: string; impression?: string; iu_mesh?: string }>;
  return Object.keys(raw).sort().map((id) => {
    const r = raw[id];
    if (typeof r.iu_mesh !== 'string') throw new Error(`${path}: study ${id} has no string field 'iu_mesh'`);
    const mesh = r.iu_mesh;
    return { id, text: `${r.report ?? ''}\n${r.impression ?? ''}`, mesh, observations: meshObservations(mesh) };
  });
}

export interface MeshSplit<T> {
  calibration: T[];
  heldOut: T[];
}

/** The seeded, stratified calibration / held-out split (see the module comment). Input order is kept within each part. */
export function meshSplit<T extends { id: string; observations: Set<Observation> }>(studies: readonly T[], opts: { seed?: number; fraction?: number } = {}): MeshSplit<T> {
  const seed = opts.seed ?? 21;
  const fraction = opts.fraction ?? 0.4;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`meshSplit: fraction ${fraction} is not in (0, 1)`);
  const strata = new Map<string, string[]>();
  for (const s of studies) {
    const stratum = STRATUM_ORDER.find((o) => s.observations.has(o)) ?? 'none';
    const ids = strata.get(stratum);
    if (ids) ids.push(s.id);
    else strata.set(stratum, [s.id]);
  }
  const held = new Set<string>();
  for (const [stratum, ids] of strata) {
    const order = Rng.derive(seed, `mesh-split:${stratum}`).shuffle([...ids].sort());
    for (const id of order.slice(0, Math.round(fraction * ids.length))) held.add(id);
  }
  return { calibration: studies.filter((s) => !held.has(s.id)), heldOut: studies.filter((s) => held.has(s.id)) };
}
