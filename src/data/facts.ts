/**
 * What a study shows, as a list of facts that question builders can ask about: each finding with
 * its anatomy, side, zone, grade and boxes. Synthetic studies carry full structured truth in
 * `meta.findings`; real studies give what their labels and boxes support (presence, and location
 * from boxes).
 */
import type { Observation, Study, Box } from './types.js';
import type { FindingMeta } from './cohort.js';

export interface Fact {
  /** Lower-case finding name as questions and answers say it ("pleural effusion"). */
  name: string;
  /** Coarse category for "what type of … " questions. */
  category: 'opacity' | 'pleural' | 'cardiac' | 'device' | 'bone' | 'lesion';
  side?: 'right' | 'left' | 'bilateral';
  zone?: 'upper' | 'mid' | 'lower';
  /** Anatomical region: "right lung", "left lung", "heart", "mediastinum", "ribs", … */
  anatomy: string[];
  /** Grade in the report's words (small / moderate / large, mild / moderate / severe). */
  level?: string;
  /** Finer type (device variant, nodule size in mm). */
  detail?: string;
  /** Size in millimetres where the ground truth gives one (nodule, mass). */
  mm?: number;
  boxes: Box[];
}

/**
 * Findings counted as in a lung (the pleural ones included, as "List all abnormalities in the left
 * lung" counts them): what lung-level questions ask about.
 */
export const LUNG_FINDINGS: readonly string[] = ['consolidation', 'lung opacity', 'atelectasis', 'edema', 'nodule', 'mass', 'pleural effusion', 'pneumothorax'];

const CATEGORY: Record<string, Fact['category']> = {
  cardiomegaly: 'cardiac',
  'enlarged-cardiomediastinum': 'cardiac',
  'pleural-effusion': 'pleural',
  pneumothorax: 'pleural',
  consolidation: 'opacity',
  'lung-opacity': 'opacity',
  atelectasis: 'opacity',
  edema: 'opacity',
  nodule: 'lesion',
  mass: 'lesion',
  'rib-fracture': 'bone',
  'endotracheal-tube': 'device',
  'central-line': 'device',
  pacemaker: 'device',
  'enteric-tube': 'device',
};

const SPOKEN: Record<string, string> = {
  'central-line': 'central venous catheter',
  'lung-opacity': 'lung opacity',
  'enlarged-cardiomediastinum': 'enlarged cardiomediastinum',
};

function sideAnatomy(side: string | undefined, what = 'lung'): string[] {
  if (side === 'bilateral') return [`left ${what}`, `right ${what}`];
  if (side === 'right' || side === 'left') return [`${side} ${what}`];
  return [];
}

function fromMeta(m: FindingMeta): Fact {
  const category = CATEGORY[m.kind] ?? 'opacity';
  let anatomy: string[];
  if (m.kind === 'cardiomegaly') anatomy = ['heart'];
  else if (m.kind === 'enlarged-cardiomediastinum') anatomy = ['mediastinum'];
  else if (m.kind === 'rib-fracture') anatomy = sideAnatomy(m.side, 'ribs');
  else if (m.kind === 'endotracheal-tube') anatomy = ['trachea'];
  else if (m.kind === 'central-line') anatomy = ['svc'];
  else if (m.kind === 'pacemaker') anatomy = ['left chest wall'];
  else if (m.kind === 'enteric-tube') anatomy = ['stomach'];
  else if (m.kind === 'pleural-effusion' || m.kind === 'pneumothorax') anatomy = sideAnatomy(m.side, 'pleural space');
  else anatomy = sideAnatomy(m.side);
  const fact: Fact = { name: SPOKEN[m.kind] ?? m.kind.replace(/-/g, ' '), category, anatomy, boxes: m.boxes };
  if (m.side === 'right' || m.side === 'left' || m.side === 'bilateral') fact.side = m.side;
  if (m.zone === 'upper' || m.zone === 'mid' || m.zone === 'lower') fact.zone = m.zone;
  if (m.size || m.severity) fact.level = m.size ?? m.severity;
  if (m.variant) fact.detail = m.variant;
  else if (m.mm !== undefined) fact.detail = `${m.mm} mm`;
  if (m.mm !== undefined) fact.mm = m.mm;
  return fact;
}

/** Observation name -> spoken finding name, for studies known only by their labels. */
const LABEL_NAMES: Partial<Record<Observation, [string, Fact['category']]>> = {
  'Enlarged Cardiomediastinum': ['enlarged cardiomediastinum', 'cardiac'],
  Cardiomegaly: ['cardiomegaly', 'cardiac'],
  'Lung Lesion': ['lung lesion', 'lesion'],
  'Lung Opacity': ['lung opacity', 'opacity'],
  Edema: ['edema', 'opacity'],
  Consolidation: ['consolidation', 'opacity'],
  Pneumonia: ['pneumonia', 'opacity'],
  Atelectasis: ['atelectasis', 'opacity'],
  Pneumothorax: ['pneumothorax', 'pleural'],
  'Pleural Effusion': ['pleural effusion', 'pleural'],
  'Pleural Other': ['pleural thickening', 'pleural'],
  Fracture: ['fracture', 'bone'],
  'Support Devices': ['support device', 'device'],
};

/** Side of a box in a frontal image: the patient's right is the image left. */
export function boxSide(box: Box, frame: number): 'right' | 'left' | 'bilateral' {
  const mid = frame / 2;
  if (box[2] < mid + frame * 0.04) return 'right';
  if (box[0] > mid - frame * 0.04) return 'left';
  return 'bilateral';
}

/** Present findings of a study (facts) and the names of findings known to be absent. */
export function studyFacts(s: Study): { present: Fact[]; absent: string[] } {
  const metaFindings = (s.meta?.findings as FindingMeta[] | undefined) ?? null;
  if (metaFindings) {
    const present = metaFindings.map(fromMeta);
    const names = new Set(present.map((f) => f.name));
    // Synthetic truth is complete: anything not drawn is absent.
    const absent = Object.keys(CATEGORY)
      .map((k) => SPOKEN[k] ?? k.replace(/-/g, ' '))
      .filter((n) => !names.has(n));
    return { present, absent };
  }
  const present: Fact[] = [];
  const absent: string[] = [];
  for (const [obs, v] of Object.entries(s.labels) as [Observation, number][]) {
    const spec = LABEL_NAMES[obs];
    if (!spec) continue;
    if (v === 1) {
      const boxes = s.boxes.filter((b) => b.finding.toLowerCase() === spec[0] || b.finding === obs).map((b) => b.box);
      const side = boxes.length ? boxSide(boxes[0], s.frame) : undefined;
      present.push({ name: spec[0], category: spec[1], side, anatomy: side ? sideAnatomy(side) : [], boxes });
    } else if (v === 0) absent.push(spec[0]);
  }
  // Boxes whose finding has no label (e.g. NIH "Nodule", "Mass", "Infiltrate") become facts too.
  for (const b of s.boxes) {
    const name = b.finding.toLowerCase();
    if (present.some((f) => f.name === name)) continue;
    const side = boxSide(b.box, s.frame);
    present.push({ name, category: 'opacity', side, anatomy: sideAnatomy(side), boxes: [b.box] });
  }
  return { present, absent };
}
