/**
 * Reasoning for the grounded VQA questions (src/data/grounded-questions.ts) that carries the answer:
 * it lists the located findings it examines — each with its true box, side, zone and size — then
 * derives the answer from them (the count of the listed findings in the lung, the comparison of the
 * two lungs, the size against the threshold, what lies in the zone). The derivation is the data
 * layer's own (`groundedAnswer`), so the reasoning lists exactly what the answer counts.
 */
import { extentMm, findingSizeMm, groundedAnswer, locatedFindings, parseGroundedQuestion, SIZE_THRESHOLDS, MM_PER_PIXEL, type GroundedQuestion, type LocatedFinding, type LungSide } from '../data/grounded-questions.js';
import type { InstructionRecord, Study } from '../data/types.js';
import { formatBox } from '../text/parse.js';
import type { Rng } from '../util/rng.js';

const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
const norm = (s: string) => s.trim().toLowerCase();
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "small pleural effusion [..]", "nodule, upper zone, 12 mm [..]". */
function finding(f: LocatedFinding, full: boolean): string {
  const what = `${f.level ? `${f.level} ` : ''}${f.name}`;
  const where = f.zone ? (full ? ` in the ${f.zone} zone` : `, ${f.zone} zone`) : '';
  const size = f.mm !== undefined ? (full ? ` measuring ${f.mm} mm` : `, ${f.mm} mm`) : '';
  return full ? `${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}${where}${size} at ${formatBox(f.box)}` : `${what}${where}${size} ${formatBox(f.box)}`;
}

/** What one lung shows: its listed findings, or that it is clear. */
function lungLine(side: LungSide, here: LocatedFinding[], full: boolean, rng: Rng): string {
  if (!full) return `${cap(side)} lung: ${here.length ? here.map((f) => finding(f, false)).join('; ') : 'clear'}.`;
  if (!here.length) return rng.pick([`The ${side} lung is clear.`, `I see no abnormality in the ${side} lung.`]);
  const list = here.map((f) => finding(f, true)).join(', and ');
  return rng.pick([`In the ${side} lung I see ${list}.`, `Examining the ${side} lung: ${list}.`]);
}

const sideOf = (fs: LocatedFinding[], side: LungSide) => fs.filter((f) => f.side === side);

/** The derivation sentence for each kind of question. */
function derivation(q: GroundedQuestion, examined: LocatedFinding[], answer: string, full: boolean): string {
  switch (q.kind) {
    case 'count':
      return full ? `Counting them gives ${plural(examined.length, 'abnormal finding', 'abnormal findings')} in the ${q.side} lung.` : `${plural(examined.length, 'finding', 'findings')} in the ${q.side} lung.`;
    case 'compare-count': {
      const [r, l] = [sideOf(examined, 'right').length, sideOf(examined, 'left').length];
      const verdict = answer === 'same' ? 'the same number' : `the ${answer} has ${q.more ? 'more' : 'fewer'}`;
      return full ? `That is ${r} in the right lung and ${l} in the left, so ${verdict}.` : `Right ${r}, left ${l}: ${verdict}.`;
    }
    case 'compare-extent': {
      const w = q.larger ? 'larger' : 'smaller';
      return full ? `Comparing the two boxes, the ${answer} one is ${w}.` : `The ${answer} is ${w}.`;
    }
    case 'threshold': {
      const f = examined[0];
      const t = SIZE_THRESHOLDS[q.finding].mm;
      const mm = findingSizeMm(f);
      const holds = q.larger ? mm > t : mm < t;
      const rel = `${holds ? '' : 'not '}${q.larger ? 'larger' : 'smaller'} than ${t} mm`;
      const measured = SIZE_THRESHOLDS[q.finding].by === 'box' ? boxSize(f.box, full) : `${mm} mm`;
      return full ? `Its size is ${measured}, which is ${rel}.` : `${cap(measured)}: ${rel}.`;
    }
    case 'zone': {
      const hits = examined.filter((f) => f.zone === q.zone).map((f) => f.name);
      const what = hits.length ? hits.join(' and ') : full ? 'no abnormality' : 'nothing';
      return full ? `So the ${q.side} ${q.zone} zone shows ${what}.` : `${cap(q.side)} ${q.zone} zone: ${what}.`;
    }
  }
}

/** "longest side 70 px = 49 mm" (the box's longest side at the frame's spacing). */
function boxSize(box: readonly number[], full: boolean): string {
  const px = Math.round(Math.max(box[2] - box[0], box[3] - box[1]));
  const mm = extentMm(box as [number, number, number, number]);
  return full ? `a longest side of ${px} px, about ${mm} mm at ${MM_PER_PIXEL} mm per pixel` : `longest side ${px} px = ${mm} mm`;
}

/**
 * The think-block lines for a grounded question, or null when the record is not one, the study is
 * unknown, or the study's truth does not give the record's answer (then the generic writer answers).
 */
export function groundedReasoning(record: InstructionRecord, study: Study | undefined, rng: Rng, full: boolean): string[] | null {
  if (record.task !== 'vqa' || !study) return null;
  const q = parseGroundedQuestion(record.prompt);
  if (!q) return null;
  const g = groundedAnswer(q, locatedFindings(study));
  if (!g || norm(g.answer) !== norm(record.answer)) return null;
  const lines: string[] = [];
  switch (q.kind) {
    case 'count':
    case 'zone':
      lines.push(lungLine(q.side, g.examined, full, rng));
      break;
    case 'compare-count':
      for (const side of ['right', 'left'] as const) lines.push(lungLine(side, sideOf(g.examined, side), full, rng));
      break;
    case 'compare-extent':
      for (const f of g.examined) {
        const [w, h] = [f.box[2] - f.box[0], f.box[3] - f.box[1]];
        lines.push(full ? `In the ${f.side} lung, ${finding(f, true)}, a box of ${w} by ${h} px.` : `${cap(f.side)}: ${finding(f, false)}, ${w}x${h} px.`);
      }
      break;
    case 'threshold':
      lines.push(full ? `In the ${g.examined[0].side} lung I see ${finding(g.examined[0], true)}.` : `${cap(g.examined[0].side)} lung: ${finding(g.examined[0], false)}.`);
      break;
  }
  lines.push(derivation(q, g.examined, g.answer, full));
  return lines;
}
