/**
 * The offline grounded synthesizer (the embedded default): writes step-by-step reasoning from a
 * study's ground truth, with no model and no network. It names the regions it examines with their
 * TRUE boxes `[x_min, y_min, x_max, y_max]`, says what each shows, adds pertinent negatives from the
 * labels, and ends with the true answer in `\boxed{}`. Wording varies by a seeded stream per item
 * (same seed and item id, same text).
 *
 * Grounded questions (src/data/grounded-questions.ts) get reasoning that lists the located findings
 * and derives the answer from them (grounded-reasoning.ts).
 *
 * Styles: 'full' (paragraph reasoning, as an LLM teacher would write) and 'concise' (one short
 * clause per region, for the miniature model whose context is a few hundred tokens).
 */
import type { FindingBox, Labels, Observation, Study } from '../data/types.js';
import { formatBox } from '../text/parse.js';
import { Rng } from '../util/rng.js';
import { groundedReasoning } from './grounded-reasoning.js';
import { describeAbsent, describeRegion, normalizeFinding, sideOfBox } from './regions.js';
import { truthBoxes, type ReasoningSynthesizer, type SynthesisInput, type SynthesisOutput } from './synthesizer.js';

export type ReasoningStyle = 'full' | 'concise';

export interface OfflineOptions {
  seed: number;
  style: ReasoningStyle;
  /** Most pertinent negatives stated per response. */
  maxNegatives?: number;
}

/** Observations worth stating as pertinent negatives, in order of preference. */
const NEGATIVE_CANDIDATES: Observation[] = ['Pneumothorax', 'Pleural Effusion', 'Consolidation', 'Cardiomegaly', 'Edema', 'Fracture'];

/** Structured attributes of a finding, from `study.meta.findings` when the data builder put them there. */
interface FindingAttributes {
  side?: string;
  zone?: string;
  size?: string;
  severity?: string;
  mm?: number;
}

function sameBox(a: unknown, b: readonly number[]): boolean {
  return Array.isArray(a) && a.length === 4 && a.every((v, i) => Math.round(Number(v)) === Math.round(b[i]));
}

export function attributesOf(fb: FindingBox, study: Study | undefined): FindingAttributes {
  const list = study?.meta?.findings;
  if (!Array.isArray(list)) return {};
  for (const f of list as Record<string, unknown>[]) {
    const boxes = Array.isArray(f?.boxes) ? (f.boxes as unknown[]) : Array.isArray(f?.box) ? [f.box] : [];
    if (!boxes.some((b) => sameBox(b, fb.box))) continue;
    const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
    return { side: str('side'), zone: str('zone'), size: str('size'), severity: str('severity'), mm: typeof f.mm === 'number' ? f.mm : undefined };
  }
  return {};
}

/** Finding names that a question mentions (for yes/no and attribute questions). */
function mentionedFinding(question: string, names: string[]): string | null {
  const q = question.toLowerCase();
  for (const n of names) if (q.includes(normalizeFinding(n))) return n;
  return null;
}

const KNOWN_NAMES = [
  'Pleural Effusion', 'Effusion', 'Pneumothorax', 'Cardiomegaly', 'Enlarged Cardiomediastinum', 'Consolidation', 'Lung Opacity',
  'Atelectasis', 'Edema', 'Nodule', 'Mass', 'Rib Fracture', 'Fracture', 'Infiltrate', 'Pneumonia', 'Pacemaker', 'Endotracheal Tube',
  'Enteric Tube', 'Central Venous Catheter',
];

function positives(labels: Labels): Set<string> {
  return new Set(Object.entries(labels).filter(([, v]) => v === 1 || v === -1).map(([k]) => k));
}

export class OfflineSynthesizer implements ReasoningSynthesizer {
  readonly name = 'offline';
  constructor(private readonly opts: OfflineOptions) {}

  async synthesize(input: SynthesisInput): Promise<SynthesisOutput> {
    return { recordId: input.record.id, response: this.write(input), synthesizer: this.name, cached: false };
  }

  /** The response text for one item (synchronous; deterministic per seed and record id). */
  write(input: SynthesisInput): string {
    const { record, study } = input;
    const rng = Rng.derive(this.opts.seed, `offline-reasoning:${record.id}`);
    const frame = record.frame;
    const boxes = truthBoxes(input);
    const full = this.opts.style === 'full';
    const lines: string[] = [];

    const opener = this.opener(input, rng);
    if (opener) lines.push(opener);
    // Grounded questions (counts, comparisons, sizes against a threshold, zones): the reasoning
    // lists the located findings and derives the answer from them.
    const grounded = groundedReasoning(record, study, rng, full);
    if (grounded) {
      const lead = full ? rng.pick(['', 'Final answer: ', 'Answer: ']) : '';
      return `<think>\n${[...lines, ...grounded].join(full ? '\n' : ' ')}\n</think>\n${lead}\\boxed{${record.answer}}`;
    }
    if (full && study && study.sex !== 'U' && study.view !== 'U' && study.age >= 0 && (record.task.startsWith('report') || rng.bool(0.3))) {
      const sex = study.sex === 'F' ? 'female' : 'male';
      lines.push(rng.pick([`This is a ${study.view} frontal chest radiograph of a ${sex} patient.`, `The film is a ${study.view} projection; the patient is ${sex}, ${study.age} years old.`]));
    }

    // Regions with their true boxes.
    const ordered = rng.bool(0.5) ? boxes : rng.shuffle(boxes);
    for (const fb of ordered) lines.push(this.regionLine(fb, study, frame, rng, full));

    // Pertinent negatives from the labels.
    const negatives = this.negatives(input, rng, full ? (this.opts.maxNegatives ?? 2) : 1);
    if (negatives) lines.push(negatives);
    if (!boxes.length && !negatives) {
      lines.push(full ? rng.pick(['The lungs are clear and the cardiomediastinal contours look normal; I see no focal abnormality.', 'I find no focal abnormality in the lungs, pleura, heart or bones.']) : 'No focal abnormality.');
    }
    lines.push(this.conclusion(input, boxes, rng, full));

    const think = lines.join(full ? '\n' : ' ');
    const lead = full ? rng.pick(['', 'Final answer: ', 'Answer: ']) : '';
    return `<think>\n${think}\n</think>\n${lead}\\boxed{${record.answer}}`;
  }

  private opener(input: SynthesisInput, rng: Rng): string | null {
    const { record } = input;
    const full = this.opts.style === 'full';
    if (!full) return null;
    switch (record.task) {
      case 'report-findings':
        return rng.pick([
          'To write the findings I review the film systematically, region by region.',
          'I go through the radiograph in order: lungs, pleura, heart and mediastinum, bones and devices.',
          'Before describing the findings, I look at each part of the chest in turn.',
        ]);
      case 'report-impression':
        return rng.pick([
          'The impression should state the key abnormalities, so I first locate them on the image.',
          'To summarise the study I identify the clinically important findings and where they are.',
        ]);
      case 'grounding':
        return rng.pick(['I need to find where the requested finding lies on the image.', 'The task is to localise the finding; I scan the chest for it.']);
      default:
        return rng.pick([`The question is: "${record.prompt.trim()}"`, 'I look at the parts of the image the question is about.', 'To answer, I examine the relevant regions.']);
    }
  }

  private regionLine(fb: FindingBox, study: Study | undefined, frame: number, rng: Rng, full: boolean): string {
    const attrs = attributesOf(fb, study);
    const side = attrs.side === 'right' || attrs.side === 'left' ? attrs.side : undefined;
    const region = describeRegion(fb, frame, rng, side);
    const name = attrs.zone && /zone|lung/.test(region.name) ? region.name.replace(/\b(upper|mid|lower)\b/, attrs.zone) : region.name;
    const box = formatBox(fb.box);
    if (!full) {
      const qual = attrs.size ?? attrs.severity;
      return capitalize(`${qual ? `${qual} ` : ''}${fb.finding.toLowerCase()} at ${name} ${box}.`);
    }
    const extra: string[] = [];
    if (attrs.size) extra.push(rng.pick([`It is ${attrs.size} in extent.`, `Its extent is ${attrs.size}.`]));
    if (attrs.severity) extra.push(rng.pick([`The degree is ${attrs.severity}.`, `It looks ${attrs.severity}.`]));
    if (attrs.mm) extra.push(`It measures about ${attrs.mm} mm.`);
    const head = rng.pick([
      `Looking at ${name} ${box}: ${region.shows}.`,
      `In ${name}, around ${box}, ${region.shows}.`,
      `${capitalize(name)} ${box}: ${region.shows}.`,
      `Next, ${name} ${box}: ${region.shows}.`,
    ]);
    return [head, ...extra].join(' ');
  }

  private negatives(input: SynthesisInput, rng: Rng, max: number): string | null {
    const labels = input.study?.labels;
    if (!labels || max <= 0) return null;
    const pos = positives(labels);
    const boxed = new Set(truthBoxes(input).map((b) => normalizeFinding(b.finding)));
    const absent = NEGATIVE_CANDIDATES.filter((o) => labels[o] === 0 && !pos.has(o) && !boxed.has(normalizeFinding(o)));
    if (!absent.length) return null;
    const chosen = rng.shuffle(absent).slice(0, max);
    const text = chosen.map((o) => describeAbsent(o, rng)).join('; ');
    return `${capitalize(text)}.`;
  }

  private conclusion(input: SynthesisInput, boxes: FindingBox[], rng: Rng, full: boolean): string {
    const { record, study } = input;
    const answer = record.answer.trim();
    const short = answer.length <= 80 ? answer : null;
    switch (record.task) {
      case 'report-findings':
        return full
          ? rng.pick(['Putting these observations into report language gives the findings.', 'These observations make up the findings section.'])
          : 'Findings follow.';
      case 'report-impression':
        return full
          ? rng.pick(['Summarising the most important of these gives the impression.', 'The impression condenses these findings.'])
          : 'Impression follows.';
      case 'grounding': {
        const target = boxes.map((b) => b.finding.toLowerCase()).join(' and ');
        if (!target) return 'The requested finding is not present.';
        return full ? rng.pick([`So the requested ${target} is the region boxed above.`, `The ${target} therefore lies within the box above.`]) : 'Located.';
      }
      default: {
        const type = record.questionType;
        const lead = this.vqaReason(type, record.prompt, answer, study, boxes, rng, full);
        const tail = short ? (full ? rng.pick([`Therefore the answer is ${short}.`, `So the answer is ${short}.`]) : `Answer: ${short}.`) : '';
        return [lead, tail].filter(Boolean).join(' ');
      }
    }
  }

  /** One sentence tying the examined regions to a VQA answer, by question type. */
  private vqaReason(type: string, question: string, answer: string, study: Study | undefined, boxes: FindingBox[], rng: Rng, full: boolean): string {
    const a = answer.toLowerCase();
    const named = mentionedFinding(question, [...boxes.map((b) => b.finding), ...KNOWN_NAMES]);
    if (!full) return (a === 'no' || a === 'none') && named ? `${capitalize(describeAbsent(named, rng))}.` : '';
    if (type === 'view' || type === 'plane') {
      return rng.pick([`The projection, patient positioning and apparent heart magnification fit a ${answer} film.`, `The positioning features indicate the ${answer} projection.`]);
    }
    if (type === 'gender' || type === 'sex') {
      return rng.pick([`The soft-tissue outline of the chest wall suggests a ${a} patient.`, `The chest-wall soft tissues fit a ${a} patient.`]);
    }
    if ((a === 'no' || a === 'none') && named) return `${capitalize(describeAbsent(named, rng))}.`;
    if (a === 'yes' && named) {
      const hit = boxes.find((b) => normalizeFinding(b.finding) === normalizeFinding(named)) ?? boxes[0];
      return hit ? `The ${named.toLowerCase()} is visible at ${formatBox(hit.box)}.` : '';
    }
    if (boxes.length && (type === 'location' || type === 'anatomy')) {
      const sides = [...new Set(boxes.map((b) => attributesOf(b, study).side ?? sideOfBox(b.box, study?.frame ?? 512)))];
      return `The abnormal region${boxes.length > 1 ? 's lie' : ' lies'} on the ${sides.join(' and ')} side of the patient.`;
    }
    return '';
  }
}

function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
