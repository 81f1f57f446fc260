/**
 * How the offline synthesizer names an image region and says what a finding looks like there.
 * Our own radiology phrasing; several variants per finding so the synthesized reasoning varies.
 */
import type { Box, FindingBox } from '../data/types.js';
import type { Rng } from '../util/rng.js';

export type Side = 'right' | 'left' | 'midline';

/**
 * The patient's side of a box on a frontal film: the patient's right is on the image's left.
 * Boxes straddling the middle (heart, mediastinum, tubes) are `midline`.
 */
export function sideOfBox(box: Box, frame: number): Side {
  const [x0, , x1] = box;
  const mid = frame / 2;
  if (x1 <= mid + frame * 0.04) return 'right';
  if (x0 >= mid - frame * 0.04) return 'left';
  return 'midline';
}

/** Upper / mid / lower third of the frame by the box centre (a coarse zone, named as such). */
export function levelOfBox(box: Box, frame: number): 'upper' | 'mid' | 'lower' {
  const cy = (box[1] + box[3]) / 2 / frame;
  return cy < 0.38 ? 'upper' : cy < 0.6 ? 'mid' : 'lower';
}

interface FindingPhrases {
  /** Region names; `{side}` / `{level}` filled in. */
  region: string[];
  /** What the region shows when the finding is present. */
  shows: string[];
  /** A statement that the finding is absent. */
  absent: string[];
}

/** Keyed by normalized finding name (lower case, spaces). */
const PHRASES: Record<string, FindingPhrases> = {
  cardiomegaly: {
    region: ['the cardiac silhouette', 'the heart shadow', 'the cardiac contour'],
    shows: [
      'the heart is broad relative to the thoracic width, a cardiothoracic ratio above one half',
      'the cardiac borders extend well beyond their usual limits, so the heart is enlarged',
      'the transverse cardiac diameter is increased in proportion to the chest',
    ],
    absent: ['the heart size is within normal limits', 'the cardiac silhouette is not enlarged'],
  },
  'enlarged cardiomediastinum': {
    region: ['the upper mediastinum', 'the mediastinal contour', 'the superior mediastinum'],
    shows: [
      'the mediastinum is widened beyond its expected width',
      'the mediastinal borders bulge outward, an enlarged cardiomediastinal silhouette',
    ],
    absent: ['the mediastinal contour is normal', 'the mediastinum is not widened'],
  },
  'pleural effusion': {
    region: ['the {side} costophrenic angle', 'the {side} lung base', 'the {side} hemithorax base'],
    shows: [
      'the costophrenic angle is blunted by a dependent opacity with a meniscus along the lateral wall, consistent with fluid',
      'homogeneous dependent density obscures the hemidiaphragm with a concave upper margin: pleural fluid',
      'a fluid level with a meniscus shape fills the base of the pleural space',
    ],
    absent: ['the costophrenic angles are sharp', 'there is no pleural effusion'],
  },
  effusion: {
    region: ['the {side} costophrenic angle', 'the {side} lung base'],
    shows: ['the angle is blunted by dependent fluid density', 'a meniscus-shaped opacity fills the base of the pleural space'],
    absent: ['the costophrenic angles are sharp'],
  },
  pneumothorax: {
    region: ['the {side} apex and lateral chest wall', 'the {side} upper hemithorax periphery', 'the {side} pleural margin'],
    shows: [
      'a thin visceral pleural line is visible with no lung markings beyond it, so air lies in the pleural space',
      'the lung edge is separated from the chest wall by a lucent band without vessels',
    ],
    absent: ['no pleural line or peripheral lucency suggests a pneumothorax', 'there is no pneumothorax'],
  },
  consolidation: {
    region: ['the {side} {level} lung zone', 'the {side} {level} zone', 'the {level} part of the {side} lung'],
    shows: [
      'a confluent airspace opacity replaces the normal lung markings',
      'dense, fairly homogeneous opacity fills the airspaces, typical of consolidation',
      'there is an area of airspace consolidation with blurred margins',
    ],
    absent: ['there is no focal consolidation', 'no airspace consolidation is seen'],
  },
  'lung opacity': {
    region: ['the {side} {level} lung zone', 'the {side} {level} zone'],
    shows: ['a patchy, ill-defined opacity is present', 'hazy increased density obscures part of the lung markings'],
    absent: ['no focal lung opacity is seen'],
  },
  infiltrate: {
    region: ['the {side} {level} lung zone', 'the {side} lung'],
    shows: ['an ill-defined infiltrative opacity is present', 'patchy increased density overlies the lung markings'],
    absent: ['no infiltrate is seen'],
  },
  pneumonia: {
    region: ['the {side} {level} lung zone', 'the {side} lung'],
    shows: ['an airspace opacity is present, compatible with pneumonia in the right clinical setting'],
    absent: ['no pneumonic opacity is seen'],
  },
  atelectasis: {
    region: ['the {side} lung base', 'the {side} lower zone', 'the {side} basal lung'],
    shows: [
      'a thin linear band of density consistent with plate-like atelectasis',
      'a streak of linear opacity is seen, in keeping with subsegmental collapse',
    ],
    absent: ['there is no atelectasis', 'no linear collapse is seen'],
  },
  edema: {
    region: ['the {side} perihilar region', 'the {side} central lung', 'the {side} hilar area'],
    shows: [
      'hazy perihilar opacity with indistinct vessels spreads outward from the hilum',
      'the central vessels are blurred by interstitial and airspace haze, a pattern of pulmonary edema',
    ],
    absent: ['there is no pulmonary edema', 'the pulmonary vessels are well defined, without edema'],
  },
  nodule: {
    region: ['the {side} {level} lung zone', 'the {side} {level} zone'],
    shows: ['a small, well-circumscribed round opacity: a pulmonary nodule', 'a discrete rounded density of nodule size'],
    absent: ['no pulmonary nodule is seen'],
  },
  mass: {
    region: ['the {side} {level} lung zone', 'the {side} lung'],
    shows: ['a large lobulated opacity, more than 3 cm across: a mass', 'a bulky rounded density, large enough to be called a mass'],
    absent: ['no lung mass is seen'],
  },
  'rib fracture': {
    region: ['the {side} lateral ribs', 'the {side} rib cage', 'the {side} chest wall ribs'],
    shows: ['the cortex of a rib is interrupted with a small step-off: a fracture', 'a rib shows a discontinuity with slight displacement'],
    absent: ['the ribs are intact', 'no rib fracture is seen'],
  },
  fracture: {
    region: ['the {side} bony thorax', 'the {side} ribs'],
    shows: ['a cortical break is visible: a fracture'],
    absent: ['no fracture is seen'],
  },
  'endotracheal tube': {
    region: ['the trachea', 'the airway above the carina'],
    shows: ['a tubular radiopaque line runs within the trachea with its tip above the carina: an endotracheal tube'],
    absent: ['no endotracheal tube is present'],
  },
  'central venous catheter': {
    region: ['the course of the {side} venous line', 'the {side} upper chest and mediastinum'],
    shows: ['a thin radiopaque catheter descends toward the superior vena cava: a central venous line'],
    absent: ['no central line is present'],
  },
  pacemaker: {
    region: ['the {side} upper chest wall', 'the {side} infraclavicular region'],
    shows: ['a dense generator with leads running toward the heart: a cardiac pacemaker'],
    absent: ['no pacemaker is present'],
  },
  'enteric tube': {
    region: ['the oesophagus and upper abdomen', 'the course below the diaphragm'],
    shows: ['a radiopaque tube follows the oesophagus and passes below the diaphragm: an enteric tube'],
    absent: ['no enteric tube is present'],
  },
};

const GENERIC: FindingPhrases = {
  region: ['the {side} {level} zone', 'the region in the {side} {level} chest'],
  shows: ['an abnormality is visible here: {finding}', 'this area shows {finding}'],
  absent: ['no {finding} is seen'],
};

export function normalizeFinding(name: string): string {
  return name.toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function phrasesFor(finding: string): FindingPhrases {
  return PHRASES[normalizeFinding(finding)] ?? GENERIC;
}

function fill(s: string, vars: Record<string, string>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m).replace(/\s+/g, ' ');
}

export interface RegionText {
  name: string;
  shows: string;
}

/** Name a finding's region and say what it shows, in one of the variants. */
export function describeRegion(fb: FindingBox, frame: number, rng: Rng, side?: string): RegionText {
  const p = phrasesFor(fb.finding);
  const s = side ?? sideOfBox(fb.box, frame);
  const vars = { side: s === 'midline' ? 'central' : s, level: levelOfBox(fb.box, frame), finding: fb.finding.toLowerCase() };
  return { name: fill(rng.pick(p.region), vars), shows: fill(rng.pick(p.shows), vars) };
}

/** A sentence saying a finding is absent. */
export function describeAbsent(finding: string, rng: Rng): string {
  return fill(rng.pick(phrasesFor(finding).absent), { finding: finding.toLowerCase() });
}
