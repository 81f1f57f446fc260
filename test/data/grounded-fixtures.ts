/**
 * Hand-built synthetic studies for the grounded-question tests (512 frame; the patient's right is
 * the image left). Their answers are worked out by hand in the tests.
 */
import type { FindingMeta } from '../../src/data/cohort.js';
import type { Study } from '../../src/data/types.js';

function study(id: string, findings: FindingMeta[], source = 'synthetic'): Study {
  return {
    id,
    patientId: `p-${id}`,
    image: `images/${id}.png`,
    frame: 512,
    sex: 'M',
    age: 60,
    view: 'PA',
    labels: {},
    boxes: findings.flatMap((f) => f.boxes.map((box) => ({ finding: f.name, box }))),
    findings: '',
    impression: '',
    source,
    meta: { visit: 0, findings },
  };
}

/**
 * Right lung: nodule (upper zone, 12 mm), consolidation (lower zone, box 70 × 50 px), atelectasis
 * (lower zone, 80 × 12 px). Left lung: small effusion (no zone), atelectasis (50 × 10 px). Outside the
 * lungs: cardiomegaly, a left rib fracture.
 */
export const MIXED = study('mixed', [
  { kind: 'pleural-effusion', name: 'Pleural Effusion', side: 'left', size: 'small', boxes: [[300, 330, 440, 420]] },
  { kind: 'nodule', name: 'Nodule', side: 'right', zone: 'upper', mm: 12, boxes: [[120, 160, 150, 190]] },
  { kind: 'consolidation', name: 'Consolidation', side: 'right', zone: 'lower', boxes: [[90, 300, 160, 350]] },
  { kind: 'atelectasis', name: 'Atelectasis', side: 'bilateral', severity: 'mild', boxes: [[100, 340, 180, 352], [300, 350, 350, 360]] },
  { kind: 'cardiomegaly', name: 'Cardiomegaly', severity: 'mild', boxes: [[180, 220, 400, 410]] },
  { kind: 'rib-fracture', name: 'Rib Fracture', side: 'left', variant: 'rib 5', boxes: [[380, 200, 414, 234]] },
]);

/** One 8 mm nodule in the left upper zone. */
export const LEFT_NODULE = study('left-nodule', [{ kind: 'nodule', name: 'Nodule', side: 'left', zone: 'upper', mm: 8, boxes: [[340, 150, 356, 166]] }]);

/** Bilateral edema only (no zone; its two sides are not compared by extent). */
export const EDEMA = study('edema', [{ kind: 'edema', name: 'Edema', side: 'bilateral', severity: 'moderate', boxes: [[80, 180, 220, 330], [300, 190, 420, 320]] }]);

/** A 10 mm nodule: at the 1 cm threshold, so no size question. */
export const TEN_MM = study('ten-mm', [{ kind: 'nodule', name: 'Nodule', side: 'right', zone: 'mid', mm: 10, boxes: [[130, 240, 148, 258]] }]);

export const NORMAL = study('normal', []);

/** A real-source study (labels and boxes, no complete truth): never asked grounded questions. */
export const REAL: Study = { ...study('real', []), source: 'nih', labels: { 'Pleural Effusion': 1 }, boxes: [{ finding: 'Effusion', box: [300, 330, 440, 420] }], meta: undefined };
