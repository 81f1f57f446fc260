/**
 * The ground truth of a synthetic cohort: patients (sex, age), their studies (view), and each
 * study's anatomy and findings with true geometry. Pure and seeded: patient p of seed s is the same
 * whatever the cohort size, so a larger cohort extends a smaller one.
 */
import { Rng } from '../util/rng.js';
import { NORMAL_CTR, sampleAnatomy, type Anatomy, type Side } from './anatomy.js';
import {
  cardiacBox,
  placeAirspace,
  placeAtelectasis,
  placeDevice,
  placeEdema,
  placeEffusion,
  placeLesion,
  placePneumothorax,
  placeRibFracture,
  ZONES,
  type Finding,
  type FindingKind,
  type Grade,
  type Severity,
} from './findings.js';

export interface StudyTruth {
  id: string;
  patientId: string;
  /** Index of the study within its patient (0 = first visit). */
  visit: number;
  sex: 'M' | 'F';
  age: number;
  view: 'PA' | 'AP';
  anatomy: Anatomy;
  findings: Finding[];
  /** Seed of the per-study noise and report wording streams. */
  seed: number;
}

export interface PhantomOptions {
  seed: number;
  frame: number;
  /** Fraction of studies with no pathological finding (devices may still be present). */
  normalFraction: number;
}

/** Relative frequency of each pathology among abnormal studies. */
const PATHOLOGY_WEIGHTS: [FindingKind, number][] = [
  ['cardiomegaly', 14],
  ['enlarged-cardiomediastinum', 5],
  ['pleural-effusion', 16],
  ['pneumothorax', 7],
  ['consolidation', 10],
  ['lung-opacity', 9],
  ['atelectasis', 12],
  ['edema', 8],
  ['nodule', 7],
  ['mass', 3],
  ['rib-fracture', 5],
];

function pickSide(rng: Rng): Side {
  return rng.bool(0.5) ? 'right' : 'left';
}

function pickGrade(rng: Rng): Grade {
  return (['small', 'moderate', 'large'] as const)[rng.weighted([5, 3, 1.5])];
}

function pickSeverity(rng: Rng): Severity {
  return (['mild', 'moderate', 'severe'] as const)[rng.weighted([5, 3, 1.5])];
}

/** Which pathologies a study has (kinds only; geometry comes after the anatomy). */
function planPathologies(rng: Rng, normalFraction: number): FindingKind[] {
  if (rng.bool(normalFraction)) return [];
  const k = 1 + rng.weighted([5, 3, 1.2]);
  const kinds = new Set<FindingKind>();
  const weights = PATHOLOGY_WEIGHTS.map(([, w]) => w);
  while (kinds.size < k) {
    const kind = PATHOLOGY_WEIGHTS[rng.weighted(weights)][0];
    if (kind === 'mass' && kinds.has('nodule')) continue;
    if (kind === 'nodule' && kinds.has('mass')) continue;
    kinds.add(kind);
    // Edema travels with cardiomegaly and effusions often enough to matter.
    if (kind === 'edema' && kinds.size < 3 && rng.bool(0.5)) kinds.add(rng.bool(0.6) ? 'cardiomegaly' : 'pleural-effusion');
  }
  return [...kinds];
}

function planDevices(rng: Rng, view: 'PA' | 'AP', hasPacemaker: boolean): FindingKind[] {
  const out: FindingKind[] = [];
  if (view === 'AP') {
    if (rng.bool(0.3)) out.push('endotracheal-tube');
    if (rng.bool(0.35)) out.push('central-line');
    if (rng.bool(out.includes('endotracheal-tube') ? 0.7 : 0.15)) out.push('enteric-tube');
  } else if (rng.bool(0.05)) out.push('central-line');
  if (hasPacemaker) out.push('pacemaker');
  return out;
}

/** The studies of patient p (1 to 3 visits). */
export function samplePatient(p: number, opts: PhantomOptions): StudyTruth[] {
  const rng = Rng.derive(opts.seed, `patient:${p}`);
  const patientId = `p${String(p).padStart(6, '0')}`;
  const sex = rng.bool(0.5) ? 'M' : 'F';
  const baseAge = Math.round(Math.min(95, Math.max(18, rng.normal(62, 15))));
  const visits = 1 + rng.weighted([6, 3, 1]);
  const hasPacemaker = baseAge > 55 && rng.bool(0.1);
  const anatomySeed = rng.nextU32();
  const out: StudyTruth[] = [];
  for (let v = 0; v < visits; v++) {
    const srng = Rng.derive(opts.seed, `study:${p}:${v}`);
    const view = srng.bool(0.35) ? 'AP' : 'PA';
    const pathologies = planPathologies(srng, opts.normalFraction);
    const devices = planDevices(srng, view, hasPacemaker);
    const cardiomegaly = pathologies.includes('cardiomegaly') ? (['mild', 'moderate', 'severe'] as const)[srng.weighted([5, 3, 1.5])] : undefined;
    const ctr = cardiomegaly
      ? { mild: srng.uniform(0.54, 0.58), moderate: srng.uniform(0.59, 0.64), severe: srng.uniform(0.65, 0.72) }[cardiomegaly]
      : srng.uniform(NORMAL_CTR[0], NORMAL_CTR[1]);
    const wideMediastinum = pathologies.includes('enlarged-cardiomediastinum');
    const mediastinumRatio = wideMediastinum ? srng.uniform(0.5, 0.62) : srng.uniform(0.3, 0.38);
    // The same anatomy stream for every visit: a patient's chest does not change between films.
    const anatomy = sampleAnatomy(new Rng(anatomySeed), { frame: opts.frame, sex, view, ctr, mediastinumRatio });
    const findings: Finding[] = [];
    for (const kind of [...pathologies, ...devices]) findings.push(placeFinding(srng, anatomy, kind, cardiomegaly));
    out.push({
      id: `${patientId}-s${v + 1}`,
      patientId,
      visit: v,
      sex,
      age: baseAge + v,
      view,
      anatomy,
      findings,
      seed: srng.nextU32(),
    });
  }
  return out;
}

function placeFinding(rng: Rng, a: Anatomy, kind: FindingKind, cardioSeverity?: Severity): Finding {
  switch (kind) {
    case 'cardiomegaly':
      return { kind, severity: cardioSeverity ?? 'mild', boxes: [cardiacBox(a, kind)] };
    case 'enlarged-cardiomediastinum':
      return { kind, boxes: [cardiacBox(a, kind)] };
    case 'pleural-effusion': {
      const f = placeEffusion(rng, a, pickSide(rng), pickGrade(rng));
      if (rng.bool(0.25)) {
        // Bilateral effusions: a second layer on the other side.
        const g = placeEffusion(rng, a, f.side === 'right' ? 'left' : 'right', rng.bool(0.7) ? 'small' : 'moderate');
        return { ...f, side: 'bilateral', boxes: [...f.boxes, ...g.boxes], levels: [...f.levels!, ...g.levels!] };
      }
      return f;
    }
    case 'pneumothorax':
      return placePneumothorax(rng, a, pickSide(rng), pickGrade(rng));
    case 'consolidation':
    case 'lung-opacity':
      return placeAirspace(rng, a, kind, pickSide(rng), ZONES[rng.weighted([2, 3, 5])]);
    case 'atelectasis':
      return placeAtelectasis(rng, a, rng.bool(0.3) ? 'bilateral' : pickSide(rng), rng.bool(0.7) ? 'mild' : 'moderate');
    case 'edema':
      return placeEdema(rng, a, pickSeverity(rng));
    case 'nodule':
    case 'mass':
      return placeLesion(rng, a, kind, pickSide(rng), ZONES[rng.weighted([4, 3, 3])]);
    case 'rib-fracture':
      return placeRibFracture(rng, a, pickSide(rng));
    default:
      return placeDevice(rng, a, kind);
  }
}

/** The first n studies of a cohort, one at a time (patients in order; the last may be cut short). */
export function* cohortTruths(n: number, opts: PhantomOptions): Generator<StudyTruth> {
  let count = 0;
  for (let p = 1; count < n; p++) {
    for (const t of samplePatient(p, opts)) {
      if (count >= n) return;
      count++;
      yield t;
    }
  }
}

/** Ground truth of the first n studies of a cohort (whole patients; the last may be cut short). */
export function sampleCohortTruth(n: number, opts: PhantomOptions): StudyTruth[] {
  const out: StudyTruth[] = [];
  for (let p = 1; out.length < n; p++) out.push(...samplePatient(p, opts));
  return out.slice(0, n);
}
