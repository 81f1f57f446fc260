/**
 * Writes the FINDINGS and IMPRESSION of a synthetic study from its ground truth, in the style of
 * real chest radiograph reports (several phrasings per statement, varied order, pertinent
 * negatives, severity and laterality words), and derives the 14 CheXpert labels from what the
 * report says: each sentence carries the labels it asserts (1), hedges (-1) or negates (0).
 * The vocabulary is deliberately modest so that a small decoder can learn it.
 */
import { Rng } from '../util/rng.js';
import type { Labels, LabelValue, Observation } from './types.js';
import type { Finding, FindingKind, Zone } from './findings.js';
import type { StudyTruth } from './phantom.js';
import type { Side } from './anatomy.js';

interface Sentence {
  text: string;
  labels: Labels;
}

const sent = (text: string, labels: Labels = {}): Sentence => ({ text, labels });

function lobe(side: Side, zone: Zone, rng: Rng): string {
  if (zone === 'mid') return side === 'right' ? rng.pick(['right middle lobe', 'right mid lung']) : rng.pick(['lingula', 'left mid lung']);
  if (zone === 'upper') return rng.pick([`${side} upper lobe`, `${side} upper lung`, `${side} apex`]);
  return rng.pick([`${side} lower lobe`, `${side} lung base`, `${side} base`]);
}

const ORDINAL = ['', '1st', '2nd', '3rd', '4th', '5th', '6th', '7th', '8th', '9th', '10th'];
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Centimetres per pixel of the 512 frame (a 36 cm detector). */
const CM_PER_PX = 36 / 512;

function findingSentences(f: Finding, t: StudyTruth, rng: Rng): Sentence[] {
  const a = t.anatomy;
  const s512 = a.frame / 512;
  switch (f.kind) {
    case 'cardiomegaly': {
      const sev = f.severity ?? 'mild';
      return [sent(rng.pick([`${cap(sev)} cardiomegaly.`, `The heart is ${sev === 'mild' ? 'mildly' : sev === 'moderate' ? 'moderately' : 'severely'} enlarged.`, `${cap(sev)} enlargement of the cardiac silhouette.`]), { Cardiomegaly: 1 })];
    }
    case 'enlarged-cardiomediastinum':
      return [sent(rng.pick(['The mediastinum is widened.', 'Widening of the superior mediastinum.', 'The cardiomediastinal silhouette is enlarged.']), { 'Enlarged Cardiomediastinum': 1 })];
    case 'pleural-effusion': {
      if (f.side === 'bilateral') {
        const [l1, l2] = f.levels!;
        const sizes = l1.size === l2.size ? `${l1.size} bilateral pleural effusions` : `bilateral pleural effusions, ${l1.size} on the ${l1.side} and ${l2.size} on the ${l2.side}`;
        return [sent(`${cap(sizes)}.`, { 'Pleural Effusion': 1 })];
      }
      const sz = f.size!;
      return [sent(rng.pick([`${cap(sz)} ${f.side} pleural effusion.`, `There is a ${sz} ${f.side} pleural effusion.`, `${cap(sz)} ${f.side}-sided pleural effusion${sz === 'small' ? ' with blunting of the costophrenic angle' : ''}.`]), { 'Pleural Effusion': 1 })];
    }
    case 'pneumothorax': {
      const where = f.size === 'small' ? 'apical ' : '';
      return [sent(rng.pick([`${cap(f.size!)} ${f.side} ${where}pneumothorax.`, `There is a ${f.size} ${f.side} ${where}pneumothorax.`]), { Pneumothorax: 1 })];
    }
    case 'consolidation': {
      const loc = lobe(f.side as Side, f.zone!, rng);
      return [sent(rng.pick([`Focal consolidation in the ${loc}.`, `There is consolidation in the ${loc}.`, `Patchy consolidation is seen in the ${loc}.`]), { Consolidation: 1 })];
    }
    case 'lung-opacity': {
      const loc = lobe(f.side as Side, f.zone!, rng);
      return [sent(rng.pick([`Hazy opacity in the ${loc}.`, `There is an ill-defined opacity in the ${loc}.`, `Patchy opacity projects over the ${loc}.`]), { 'Lung Opacity': 1 })];
    }
    case 'atelectasis': {
      const where = f.side === 'bilateral' ? 'bibasilar' : `${f.side} basilar`;
      const sev = f.severity === 'mild' ? rng.pick(['mild', 'minimal']) : 'moderate';
      if (rng.bool(0.2)) return [sent(`Linear density at the ${f.side === 'bilateral' ? 'lung bases' : `${f.side} base`}, likely atelectasis.`, { Atelectasis: -1 })];
      return [sent(rng.pick([`${cap(sev)} ${where} atelectasis.`, `There is ${sev} ${where} atelectasis.`, `Plate-like atelectasis at the ${f.side === 'bilateral' ? 'lung bases' : `${f.side} base`}.`]), { Atelectasis: 1 })];
    }
    case 'edema': {
      const sev = f.severity!;
      const extra = sev === 'mild' ? '' : rng.pick([' with Kerley B lines', ' with septal thickening', '']);
      // "compatible with" hedges in the CheXpert labeler's rules: that phrasing is an uncertain mention.
      const k = rng.int(0, 2);
      if (k === 2) return [sent(`${cap(sev)} perihilar haziness compatible with pulmonary edema.`, { Edema: -1 })];
      return [sent(k === 0 ? `${cap(sev)} pulmonary edema${extra}.` : `There is ${sev} interstitial edema${extra}.`, { Edema: 1 })];
    }
    case 'nodule':
    case 'mass': {
      const loc = lobe(f.side as Side, f.zone!, rng);
      const size = f.kind === 'nodule' ? `${f.mm} mm` : `${((f.mm ?? 30) / 10).toFixed(1)} cm`;
      return [sent(rng.pick([`There is a ${size} ${f.kind} in the ${loc}.`, `A ${size} ${f.kind} is seen in the ${loc}.`, `${cap(size)} ${f.kind === 'nodule' ? 'pulmonary nodule' : 'mass'} in the ${loc}.`]), { 'Lung Lesion': 1 })];
    }
    case 'rib-fracture': {
      const n = ORDINAL[f.rib!.index];
      return [sent(rng.pick([`Acute fracture of the ${f.side} lateral ${n} rib.`, `There is a displaced fracture of the ${f.side} ${n} rib.`, `${cap(f.side as string)} ${n} rib fracture.`]), { Fracture: 1 })];
    }
    case 'endotracheal-tube': {
      const tip = f.polyline![f.polyline!.length - 1][1];
      const cm = (((a.carinaY - tip) / s512) * CM_PER_PX).toFixed(1);
      return [sent(rng.pick([`Endotracheal tube terminates ${cm} cm above the carina.`, `The endotracheal tube tip is ${cm} cm above the carina.`, `ET tube in standard position, ${cm} cm above the carina.`]), { 'Support Devices': 1 })];
    }
    case 'central-line': {
      const tip = f.polyline![f.polyline!.length - 1][1];
      const where = tip < a.heart.top - 4 * s512 ? 'the lower SVC' : 'the cavoatrial junction';
      return [sent(rng.pick([`${cap(f.variant!)} central venous catheter terminates in ${where}.`, `${cap(f.variant!)} line with tip in ${where}.`]), { 'Support Devices': 1 })];
    }
    case 'pacemaker': {
      const leads = f.variant === 'dual-chamber' ? 'leads in the right atrium and right ventricle' : 'a lead in the right ventricle';
      return [sent(rng.pick([`Left-sided ${f.variant} pacemaker with ${leads}.`, `Left chest wall pacemaker with ${leads}.`]), { 'Support Devices': 1 })];
    }
    case 'enteric-tube':
      return [sent(rng.pick(['Enteric tube courses below the diaphragm with tip in the stomach.', 'Nasogastric tube tip is in the stomach.', 'The enteric tube extends into the stomach.']), { 'Support Devices': 1 })];
  }
}

/** Pertinent negatives for what is absent, grouped the way radiologists phrase them. */
function negatives(has: Set<FindingKind>, rng: Rng): { heart: Sentence[]; lungs: Sentence[]; pleura: Sentence[]; bones: Sentence[] } {
  const heart: Sentence[] = [];
  const lungs: Sentence[] = [];
  const pleura: Sentence[] = [];
  const bones: Sentence[] = [];
  if (!has.has('cardiomegaly') && !has.has('enlarged-cardiomediastinum')) {
    heart.push(
      rng.pick([
        sent('The cardiomediastinal silhouette is within normal limits.', { 'Enlarged Cardiomediastinum': 0 }),
        sent('Heart size is normal.', { Cardiomegaly: 0 }),
        sent('Normal heart size and mediastinal contours.', { Cardiomegaly: 0, 'Enlarged Cardiomediastinum': 0 }),
        sent('The heart is not enlarged.', { Cardiomegaly: 0 }),
      ]),
    );
  } else if (!has.has('cardiomegaly') && rng.bool(0.6)) heart.push(sent('Heart size is normal.', { Cardiomegaly: 0 }));
  else if (!has.has('enlarged-cardiomediastinum') && rng.bool(0.4)) heart.push(sent('Mediastinal contours are normal.', { 'Enlarged Cardiomediastinum': 0 }));
  const airspace = has.has('consolidation') || has.has('lung-opacity') || has.has('edema') || has.has('atelectasis') || has.has('nodule') || has.has('mass');
  if (!airspace) {
    lungs.push(
      rng.pick([
        sent('The lungs are clear.', {}),
        sent('Lungs are clear without focal consolidation.', { Consolidation: 0 }),
        sent('No focal consolidation.', { Consolidation: 0 }),
        sent('There is no focal airspace consolidation.', { Consolidation: 0 }),
      ]),
    );
  } else if (!has.has('consolidation') && rng.bool(0.5)) lungs.push(sent('No focal consolidation.', { Consolidation: 0 }));
  if (!has.has('edema') && rng.bool(0.6)) lungs.push(rng.pick([sent('No pulmonary edema.', { Edema: 0 }), sent('There is no pulmonary vascular congestion or edema.', { Edema: 0 })]));
  const eff = has.has('pleural-effusion');
  const ptx = has.has('pneumothorax');
  if (!eff && !ptx) {
    pleura.push(
      rng.pick([
        sent('No pleural effusion or pneumothorax.', { 'Pleural Effusion': 0, Pneumothorax: 0 }),
        sent('There is no pleural effusion or pneumothorax.', { 'Pleural Effusion': 0, Pneumothorax: 0 }),
        sent('No pneumothorax or pleural effusion is seen.', { 'Pleural Effusion': 0, Pneumothorax: 0 }),
        sent('The costophrenic angles are sharp. No pneumothorax.', { Pneumothorax: 0 }),
      ]),
    );
  } else if (!eff) pleura.push(sent(rng.pick(['No pleural effusion.', 'There is no pleural effusion.']), { 'Pleural Effusion': 0 }));
  else if (!ptx) pleura.push(sent(rng.pick(['No pneumothorax.', 'There is no pneumothorax.']), { Pneumothorax: 0 }));
  if (!has.has('rib-fracture') && rng.bool(0.35)) bones.push(rng.pick([sent('No acute osseous abnormality.'), sent('No displaced rib fracture.', { Fracture: 0 })]));
  return { heart, lungs, pleura, bones };
}

const HEART: FindingKind[] = ['cardiomegaly', 'enlarged-cardiomediastinum'];
const LUNG: FindingKind[] = ['consolidation', 'lung-opacity', 'atelectasis', 'edema', 'nodule', 'mass'];
const PLEURA: FindingKind[] = ['pleural-effusion', 'pneumothorax'];
const DEVICES: FindingKind[] = ['endotracheal-tube', 'central-line', 'pacemaker', 'enteric-tube'];

function impressionSentences(t: StudyTruth, rng: Rng): Sentence[] {
  const path = t.findings.filter((f) => !DEVICES.includes(f.kind));
  const devs = t.findings.filter((f) => DEVICES.includes(f.kind));
  if (!path.length) {
    const out = [
      rng.pick([
        sent('No acute cardiopulmonary process.', {}),
        sent('No acute cardiopulmonary abnormality.', {}),
        sent('No acute intrathoracic process.', {}),
        sent('Normal chest radiograph.', {}),
      ]),
    ];
    if (devs.length && rng.bool(0.5)) out.unshift(sent(devs.length > 1 ? 'Support devices in appropriate position.' : 'Support device in appropriate position.', { 'Support Devices': 1 }));
    return out;
  }
  const rank: FindingKind[] = ['pneumothorax', 'consolidation', 'edema', 'mass', 'pleural-effusion', 'cardiomegaly', 'lung-opacity', 'nodule', 'enlarged-cardiomediastinum', 'rib-fracture', 'atelectasis'];
  const sorted = path.slice().sort((x, y) => rank.indexOf(x.kind) - rank.indexOf(y.kind));
  const out: Sentence[] = [];
  for (const f of sorted) {
    const [s] = findingSentences(f, t, rng);
    let text = s.text;
    const labels: Labels = { ...s.labels };
    if (f.kind === 'consolidation') {
      const r = rng.next();
      if (r < 0.35) {
        text = text.replace(/\.$/, ', concerning for pneumonia.');
        labels.Pneumonia = -1;
      } else if (r < 0.55) {
        text = text.replace(/\.$/, ', compatible with pneumonia in the appropriate clinical setting.');
        labels.Pneumonia = -1;
      } else if (r < 0.7) {
        text = text.replace(/\.$/, ' consistent with pneumonia.');
        labels.Pneumonia = 1;
      }
    } else if (f.kind === 'lung-opacity' && rng.bool(0.4)) {
      text = text.replace(/\.$/, rng.pick(['; atelectasis or early pneumonia are possible.', ', may reflect atelectasis or infection.']));
      labels.Atelectasis = labels.Atelectasis ?? -1;
      if (/pneumonia|infection/.test(text)) labels.Pneumonia = -1;
    } else if (f.kind === 'nodule' && rng.bool(0.5)) text = text.replace(/\.$/, '; recommend CT for further evaluation.');
    out.push({ text, labels });
  }
  if (devs.length && rng.bool(0.3)) out.push(sent('Support devices as described.', { 'Support Devices': 1 }));
  return out;
}

/** Merge sentence labels: positive beats uncertain beats negative. */
function mergeLabels(sentences: Sentence[]): Labels {
  const out: Labels = {};
  const rank = (v: LabelValue) => (v === 1 ? 3 : v === -1 ? 2 : 1);
  for (const s of sentences) {
    for (const [k, v] of Object.entries(s.labels) as [Observation, LabelValue][]) {
      const cur = out[k];
      if (cur === undefined || rank(v) > rank(cur)) out[k] = v;
    }
  }
  return out;
}

export interface WrittenReport {
  findings: string;
  impression: string;
  labels: Labels;
}

/** Write the report of a study (deterministic per study seed). */
export function writeReport(t: StudyTruth): WrittenReport {
  const rng = new Rng(t.seed ^ 0x2c1b3c6d);
  const has = new Set(t.findings.map((f) => f.kind));
  const of = (kinds: FindingKind[]) => t.findings.filter((f) => kinds.includes(f.kind)).flatMap((f) => findingSentences(f, t, rng));
  const neg = negatives(has, rng);
  const groups = {
    devices: of(DEVICES),
    heart: [...of(HEART), ...neg.heart],
    lungs: [...of(LUNG), ...neg.lungs],
    pleura: [...of(PLEURA), ...neg.pleura],
    bones: [...of(['rib-fracture']), ...neg.bones],
  };
  // Two house styles: devices and lungs first (ICU films), or heart first (outpatient films).
  const order: (keyof typeof groups)[] = rng.bool(0.5) ? ['devices', 'lungs', 'pleura', 'heart', 'bones'] : ['devices', 'heart', 'lungs', 'pleura', 'bones'];
  const findingSents = order.flatMap((g) => groups[g]);
  const impression = impressionSentences(t, rng);
  const numbered = impression.length > 1 && rng.bool(0.5);
  const impressionText = numbered ? impression.map((s, i) => `${i + 1}. ${s.text}`).join(' ') : impression.map((s) => s.text).join(' ');
  const labels = mergeLabels([...findingSents, ...impression]);
  const pathology = t.findings.some((f) => !DEVICES.includes(f.kind));
  const anyPositive = (Object.entries(labels) as [Observation, LabelValue][]).some(([k, v]) => k !== 'Support Devices' && k !== 'No Finding' && v !== 0);
  if (!pathology && !anyPositive) labels['No Finding'] = 1;
  return { findings: findingSents.map((s) => s.text).join(' '), impression: impressionText, labels };
}
