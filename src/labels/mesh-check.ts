/**
 * An independent check of the CheXpert-style labeler on Open-I (IU X-ray): each study's MeSH tags
 * (assigned by the Open-I indexers from the report) mapped to CheXpert observations, compared with
 * the labeler's output on the same report, per observation.
 *
 * The MeSH → CheXpert mapping (major heading before the first "/"; "attr" after it):
 *   normal                                              → No Finding
 *   Cardiomegaly; Cardiac Shadow/enlarged; Heart/enlarged → Cardiomegaly
 *   Mediastinum/…enlarged|widened|prominent             → Enlarged Cardiomediastinum
 *   Nodule; Mass; Lung Neoplasms                        → Lung Lesion
 *   Opacity; Airspace Disease; Infiltrate; Cicatrix; Lung Diseases, Interstitial → Lung Opacity
 *   Pulmonary Edema; Pulmonary Congestion; Heart Failure → Edema
 *   Consolidation                                       → Consolidation
 *   Pneumonia                                           → Pneumonia
 *   Pulmonary Atelectasis                               → Atelectasis
 *   Pneumothorax; Hydropneumothorax; Hemopneumothorax   → Pneumothorax
 *   Pleural Effusion                                    → Pleural Effusion
 *   Pulmonary Fibrosis; Fibrosis; Thickening/…pleura…   → Pleural Other
 *   Fractures, Bone                                     → Fracture
 *   Catheters, Indwelling; Implanted Medical Device; Medical Device; Tube, Inserted → Support Devices
 * Headings without a CheXpert counterpart (Calcified Granuloma, Spine, Scoliosis, …) are ignored.
 * The mapping is approximate in both directions (e.g. MeSH "Cicatrix" is scarring, which CheXpert's
 * phrase list counts as opacity), so agreement here measures consistency, not accuracy.
 */
import { CHEXPERT_OBSERVATIONS, type Labels, type Observation } from '../data/types.js';

const BY_HEADING: Record<string, Observation> = {
  normal: 'No Finding',
  Cardiomegaly: 'Cardiomegaly',
  Nodule: 'Lung Lesion',
  Mass: 'Lung Lesion',
  'Lung Neoplasms': 'Lung Lesion',
  Opacity: 'Lung Opacity',
  'Airspace Disease': 'Lung Opacity',
  Infiltrate: 'Lung Opacity',
  Cicatrix: 'Lung Opacity',
  'Lung Diseases, Interstitial': 'Lung Opacity',
  'Pulmonary Edema': 'Edema',
  'Pulmonary Congestion': 'Edema',
  'Heart Failure': 'Edema',
  Consolidation: 'Consolidation',
  Pneumonia: 'Pneumonia',
  'Pulmonary Atelectasis': 'Atelectasis',
  Pneumothorax: 'Pneumothorax',
  Hydropneumothorax: 'Pneumothorax',
  Hemopneumothorax: 'Pneumothorax',
  'Pleural Effusion': 'Pleural Effusion',
  'Pulmonary Fibrosis': 'Pleural Other',
  Fibrosis: 'Pleural Other',
  'Fractures, Bone': 'Fracture',
  'Catheters, Indwelling': 'Support Devices',
  'Implanted Medical Device': 'Support Devices',
  'Medical Device': 'Support Devices',
  'Tube, Inserted': 'Support Devices',
};

/** The CheXpert observations an IU study's MeSH string ("A/attr;B/attr2") maps to. */
export function meshObservations(mesh: string): Set<Observation> {
  const out = new Set<Observation>();
  for (const term of mesh.split(';')) {
    const [heading, ...attrs] = term.split('/').map((x) => x.trim());
    const attr = attrs.join('/').toLowerCase();
    const direct = BY_HEADING[heading];
    if (direct) out.add(direct);
    else if ((heading === 'Cardiac Shadow' || heading === 'Heart') && /enlarged/.test(attr)) out.add('Cardiomegaly');
    else if (heading === 'Mediastinum' && /enlarged|widened|prominent/.test(attr)) out.add('Enlarged Cardiomediastinum');
    else if (heading === 'Thickening' && /pleura/.test(attr)) out.add('Pleural Other');
  }
  return out;
}

export interface AgreementRow {
  observation: Observation;
  /** Studies MeSH-tagged with the observation. */
  mesh: number;
  /** Studies the labeler calls positive or uncertain. */
  labeler: number;
  both: number;
  /** (both + neither) / n. */
  agreement: number;
  precision: number;
  recall: number;
  f1: number;
  kappa: number;
}

/** Per-observation agreement of labeler output (positive or uncertain = present) with MeSH presence. */
export function meshAgreement(labels: readonly Labels[], meshes: readonly Set<Observation>[]): AgreementRow[] {
  const n = labels.length;
  return CHEXPERT_OBSERVATIONS.map((observation) => {
    let a = 0, b = 0, both = 0;
    for (let i = 0; i < n; i++) {
      const l = labels[i][observation] === 1 || labels[i][observation] === -1;
      const m = meshes[i].has(observation);
      if (l) a++;
      if (m) b++;
      if (l && m) both++;
    }
    const neither = n - a - b + both;
    const po = (both + neither) / n;
    const pe = (a / n) * (b / n) + (1 - a / n) * (1 - b / n);
    const precision = a ? both / a : 0;
    const recall = b ? both / b : 0;
    return {
      observation, mesh: b, labeler: a, both, agreement: po, precision, recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      kappa: pe < 1 ? (po - pe) / (1 - pe) : 1,
    };
  });
}
