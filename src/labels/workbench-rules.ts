/**
 * The workbench's OWN rules for the CheXpert-style labeler, on top of the CheXpert labeler's phrase
 * lists (which stay unedited in resources/chexpert-phrases) and the NegEx-style stage (./negex.ts).
 * Each rule has a name and a one-line reason; `labelReport(text, phrases, rules)` takes the set of
 * rule names to apply (default: all), so each rule can be switched off and its effect measured.
 *
 * They were written looking at the labeler's errors against the Open-I MeSH tags on the
 * CALIBRATION part of the IU reports only (./mesh-split.ts); the held-out part checks them.
 *
 * Phrases of phrase rules match at word boundaries (unlike the upstream lists, which match
 * anywhere, as the CheXpert labeler's regular expressions do); a trailing `*` lets the last word go
 * on ("hypoinflat*" matches "hypoinflated", "hypoinflation").
 */
import type { Observation } from '../data/types.js';

/** Names of the workbench rules to apply. */
export type RuleSet = ReadonlySet<string>;

export interface NamedRule {
  name: string;
  reason: string;
}

/** Extra phrases: mentions of an observation, or "unmentions" (a mention overlapping one is not a mention). */
export interface PhraseRule extends NamedRule {
  observation: Observation;
  kind: 'mention' | 'unmention';
  phrases: string[];
}

export const PHRASE_RULES: PhraseRule[] = [
  {
    name: 'not-a-device-word', observation: 'Support Devices', kind: 'unmention',
    reason: 'upstream "plate", "tube", "lines" match inside "endplate", "platelike", "tuberculosis", "B-lines", "septal lines"',
    phrases: ['endplate*', 'end plate*', 'platelike', 'plate-like', 'tubercul*', 'b-line*', 'b line*', 'septal line*', 'kerley', 'suture line*', 'scapular tip*'],
  },
  {
    name: 'device-leads', observation: 'Support Devices', kind: 'mention',
    reason: 'ECG / monitor / pacer leads are devices on the film; the upstream list has no "lead"',
    phrases: ['leads'],
  },
  {
    name: 'device-tip', observation: 'Support Devices', kind: 'mention',
    reason: 'a tip position ("XXXX tip in the SVC") is a line or tube, even where de-identification hid the device word',
    phrases: ['tip', 'tips'],
  },
  {
    name: 'more-devices', observation: 'Support Devices', kind: 'mention',
    reason: 'implanted devices the upstream list lacks',
    phrases: ['stimulator', 'shunt', 'electrode*', 'pacing wire*', 'port-a-cath', 'portacath', 'prosthesis', 'prostheses', 'internal fixation'],
  },
  {
    name: 'not-an-implant', observation: 'Support Devices', kind: 'unmention',
    reason: 'breast implants are cosmetic, not support devices (Open-I indexes them apart)',
    phrases: ['breast prosthes*', 'breast implant*'],
  },
  {
    name: 'congestion-phrasing', observation: 'Edema', kind: 'mention',
    reason: 'congestion wordings beyond upstream "vascular/pulmonary congestion", which the CheXpert labeler counts as (uncertain) edema',
    phrases: ['congestion', 'congested', 'engorged', 'engorgement', 'venous hypertension', 'cephalization', 'kerley', 'b-line*', 'b line*'],
  },
  {
    name: 'heart-word', observation: 'Cardiomegaly', kind: 'mention',
    reason: '"heart is slightly large" names the heart without "the"; kept only with an enlargement word (anatomy-needs-abnormality)',
    phrases: ['heart'],
  },
  {
    name: 'more-other-findings', observation: 'No Finding', kind: 'mention',
    reason: 'abnormalities outside the 14 observations that rule out "No Finding" as upstream no_finding.txt phrases do',
    phrases: [
      'low lung volume*', 'lung volumes are low', 'lung volumes remain low', 'hypoinflat*', 'hypoexpan*', 'spondylosis',
      'osteophyte*', 'tortuous', 'tortuosity', 'curvature', 'hyperexpan*', 'hyperaerat*', 'ectatic', 'ectasia',
      'surgical clips', 'cholecystectomy',
    ],
  },
];

/** Rule device-not-normal: normality words describe anatomy; they do not negate a device ("monitor leads show normal heart size"). */
export const DEVICE_NOT_NORMAL = {
  rule: 'device-not-normal',
  /** The NegEx-stage cues that are normality words. */
  normality: ['normal', 'unremarkable', 'clear', 'stable normal', 'within normal limits', 'is normal', 'are normal', 'is clear', 'are clear', 'normal in size', 'top normal', 'limits of normal', 'upper normal'],
};

/** Rules negated-list and normal-list (negation along a coordinated list; see ./negex.ts). */
export const LIST_SCOPE = {
  headRule: 'negated-list',
  tailRule: 'normal-list',
  /** Negation cues that can head a list. */
  heads: ['no', 'without', 'negative for', 'free of', 'absence of', 'no evidence of', 'neither', 'clear of'],
  /** Negation cues that can close a list ("A, B and C are normal"). */
  tails: ['are normal', 'are unremarkable', 'are clear', 'are within normal limits', 'appear normal'],
  separators: [',', 'or', 'nor', 'and', 'and/or', '/'],
  /** A negated list must be a disjunction: "or" / "nor" somewhere in the clause. */
  disjunctions: ['or', 'nor'],
  /** Words that start a new clause inside a sentence, ending a list. */
  breakers: ['there', 'is', 'are', 'was', 'were', 'has', 'have', 'remains', 'remain'],
  /** The longest list item, in tokens. */
  maxItemTokens: 8,
};

/** Rule no-change: "no (significant) change in X" / "X is not significantly changed" — the negation is of a change. */
export const NO_CHANGE = {
  rule: 'no-change',
  modifiers: ['significant', 'interval', 'appreciable', 'substantial', 'definite', 'major', 'significantly', 'appreciably', 'substantially', 'much'],
  changeWords: ['change', 'changes', 'changed'],
  maxModifiers: 2,
};

/**
 * Rule anatomy-needs-abnormality: mentions that only name the heart or the mediastinum count as
 * Cardiomegaly / Enlarged Cardiomediastinum (positive or uncertain) only beside an abnormality word
 * in their clause; negated ones stay ("heart size is normal" is a negative Cardiomegaly label).
 */
export const ANATOMY_MENTIONS = {
  rule: 'anatomy-needs-abnormality',
  /** Per observation: the anatomy-only phrases (upstream and rule ones; all of Enlarged Cardiomediastinum's are) and the abnormality words. */
  Cardiomegaly: {
    phrases: ['the heart', 'heart', 'heart size', 'cardiac size', 'cardiac shadow', 'cardiac contour', 'cardiac silhouette'],
    abnormal: ['enlarged', 'enlargement', 'enlarging', 'large', 'larger', 'prominent', 'prominence', 'increased', 'borderline', 'globular', 'cardiomegaly', 'big'],
  },
  'Enlarged Cardiomediastinum': {
    phrases: [' mediastinum', 'cardiomediastinum', 'contour', 'mediastinal configuration', 'mediastinal silhouette', 'pericardial silhouette', 'cardiac silhouette and vascularity'],
    abnormal: ['enlarged', 'enlargement', 'enlarging', 'large', 'larger', 'prominent', 'prominence', 'increased', 'borderline', 'widened', 'widening', 'wide', 'abnormal', 'shift', 'shifted', 'deviated', 'deviation', 'bulge', 'convexity', 'mass'],
  },
} as const;

/** Rule sensitivity-disclaimer: "fractures may not be demonstrated": a statement about the method, not the patient. */
export const DISCLAIMER = {
  rule: 'sensitivity-disclaimer',
  /** Follows the mention at once (after optional "are"/"is"). */
  after: ['may not be demonstrated', 'may not be seen', 'may not be visible', 'may not be detected', 'may not be evident', 'may not be apparent'],
};

export const RULES: NamedRule[] = [
  ...PHRASE_RULES,
  { name: LIST_SCOPE.headRule, reason: 'NegBio carries a negation along conjunctions; a fixed window cut "no A, B, C, or D" lists short' },
  { name: LIST_SCOPE.tailRule, reason: '"A, B, C and D are normal" negates every item, however long the list' },
  { name: NO_CHANGE.rule, reason: '"no significant change in the effusion" says the effusion persists' },
  { name: ANATOMY_MENTIONS.rule, reason: '"heart size is stable", "the mediastinum is stable" name the anatomy but report no enlargement' },
  { name: DEVICE_NOT_NORMAL.rule, reason: '"overlying monitor leads show normal heart size": a normality word judges anatomy, not a device' },
  { name: DISCLAIMER.rule, reason: '"please note that fractures may not be demonstrated" hedges the method, it suspects nothing' },
];

/** Every workbench rule (the default). */
export const ALL_RULES: RuleSet = new Set(RULES.map((r) => r.name));
/** No workbench rule: the upstream phrase lists with the NegEx-style stage only. */
export const NO_RULES: RuleSet = new Set();
