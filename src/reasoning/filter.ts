/**
 * The reasoning filter: each synthesized response is checked against named rules; a response that
 * fails any is dropped with its reasons. Every rule is counted (checked / failed / dropped first),
 * and no reply, however malformed, makes it throw.
 *
 * Rules, in order: empty, refusal, format (one balanced `<think>…</think>`, the paper's format
 * pattern, a `\boxed{}`), box-syntax (4-part brackets that are not numbers, inverted boxes),
 * box-bound (a coordinate outside [0, bound]), box-iou (reasoning boxes overlap the true finding
 * boxes at IoU ≥ threshold), answer-empty, answer (consistent with the ground truth), length, and
 * the optional judge model.
 */
import type { FindingBox, InstructionRecord } from '../data/types.js';
import { boxIou, extractAnswer, extractBoxes, extractThink, isWellFormatted, NO_ANSWER, THINK_CLOSE, THINK_OPEN } from '../text/parse.js';
import type { ChatModel } from '../llm/client.js';
import { fillTemplate, type PromptTemplates } from '../data/templates.js';
import { boxesAsText } from './synthesizer.js';

export const FILTER_RULES = ['empty', 'refusal', 'format', 'box-syntax', 'box-bound', 'box-iou', 'answer-empty', 'answer', 'length', 'judge'] as const;
export type FilterRule = (typeof FILTER_RULES)[number];

export interface FilterOptions {
  /** Image bound for coordinates (the paper's 512). */
  bound: number;
  iouThreshold: number;
  /** 'any': some reasoning box matches some true box; 'all': every true box is matched. */
  boxMatch: 'any' | 'all';
  minChars: number;
  maxChars: number;
  /** Free-text answers: minimum token F1 against the ground truth. */
  minTextF1: number;
  /** Optional judge (a chat model answering PASS/FAIL) and its templates. */
  judge?: { client: ChatModel; templates: PromptTemplates };
}

export interface RuleFailure {
  rule: FilterRule;
  detail: string;
}

export interface FilterVerdict {
  recordId: string;
  kept: boolean;
  /** The first failed rule (what the drop is counted under), or null when kept. */
  reason: FilterRule | null;
  failures: RuleFailure[];
  /** Boxes in the reasoning. */
  nBoxes: number;
  /** Mean over true boxes of the best IoU with a reasoning box (null when there are no true boxes). */
  meanIou: number | null;
}

const REFUSAL = /\b(i'?m sorry|i am sorry|i apologi[sz]e|i cannot|i can'?t|i can not|i'?m unable|i am unable|unable to (assist|help|provide|comply)|as an ai\b|i won'?t be able|cannot (assist|help) with)/i;

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Lower case, strip surrounding punctuation and inner whitespace runs. */
export function normalizeAnswer(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/^[\s.,;:!?"'`]+|[\s.,;:!?"'`]+$/g, '');
}

function tokens(s: string): string[] {
  return s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Token-level F1 (multiset overlap) between two texts. */
export function tokenF1(pred: string, truth: string): number {
  const p = tokens(pred);
  const t = tokens(truth);
  if (!p.length || !t.length) return p.length === t.length ? 1 : 0;
  const bag = new Map<string, number>();
  for (const w of t) bag.set(w, (bag.get(w) ?? 0) + 1);
  let hit = 0;
  for (const w of p) {
    const n = bag.get(w) ?? 0;
    if (n > 0) {
      hit++;
      bag.set(w, n - 1);
    }
  }
  if (hit === 0) return 0;
  const prec = hit / p.length;
  const rec = hit / t.length;
  return (2 * prec * rec) / (prec + rec);
}

/** Whether an extracted answer agrees with the record's ground truth; a detail string when not. */
export function answerMismatch(answer: string, record: InstructionRecord, opts: Pick<FilterOptions, 'iouThreshold' | 'minTextF1'>): string | null {
  const truthBoxesInAnswer = extractBoxes(record.answer);
  if (record.task === 'grounding' && truthBoxesInAnswer.length) {
    const given = extractBoxes(answer);
    if (!given.length) return 'grounding answer has no box';
    const unmatched = truthBoxesInAnswer.filter((t) => !given.some((g) => boxIou(g, t) >= opts.iouThreshold));
    return unmatched.length ? `grounding answer misses ${unmatched.length} of ${truthBoxesInAnswer.length} true boxes at IoU ≥ ${opts.iouThreshold}` : null;
  }
  if (record.answerKind === 'short') {
    return normalizeAnswer(answer) === normalizeAnswer(record.answer) ? null : `answer '${clip(answer)}' ≠ truth '${clip(record.answer)}'`;
  }
  if (record.answerKind === 'list') {
    const set = (s: string) => new Set(s.split('|').map(normalizeAnswer).filter(Boolean));
    const a = set(answer);
    const t = set(record.answer);
    const same = a.size === t.size && [...a].every((x) => t.has(x));
    return same ? null : `answer items {${[...a].join('|')}} ≠ truth {${[...t].join('|')}}`;
  }
  const f1 = tokenF1(answer, record.answer);
  return f1 >= opts.minTextF1 ? null : `answer token F1 ${f1.toFixed(2)} < ${opts.minTextF1}`;
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Bracketed 4-part groups whose parts are not all numbers (e.g. `[x_min, 10, x, 40]`). */
function nonNumericBoxes(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\[([^\[\]\n]{1,120})\]/g)) {
    const parts = m[1].split(',').map((p) => p.trim());
    if (parts.length === 4 && !parts.every((p) => /^-?\d+(\.\d+)?$/.test(p))) out.push(m[0]);
  }
  return out;
}

/** Apply every rule except the judge; never throws on any string. */
export function checkResponse(response: string, record: InstructionRecord, truth: FindingBox[], opts: FilterOptions): Omit<FilterVerdict, 'kept' | 'reason'> {
  const failures: RuleFailure[] = [];
  const fail = (rule: FilterRule, detail: string) => failures.push({ rule, detail });
  const text = typeof response === 'string' ? response : '';
  if (!text.trim()) fail('empty', 'empty reply');
  if (REFUSAL.test(text)) fail('refusal', `refusal text: '${clip(REFUSAL.exec(text)?.[0] ?? '')}'`);

  const opens = count(text, THINK_OPEN);
  const closes = count(text, THINK_CLOSE);
  const think = extractThink(text);
  if (opens === 0 && closes === 0) fail('format', 'no <think> block');
  else if (opens !== 1 || closes !== 1 || think === null) fail('format', `unbalanced tags (${opens} <think>, ${closes} </think>)`);
  else if (!think.trim()) fail('format', 'empty <think> block');
  else if (!text.includes('\\boxed{')) fail('format', 'no \\boxed{} answer');
  else if (!isWellFormatted(text)) fail('format', 'does not match <think>…</think>…\\boxed{…}');

  const reasoning = think ?? text;
  const bad = nonNumericBoxes(reasoning);
  const boxes = extractBoxes(reasoning);
  const inverted = boxes.filter((b) => b[0] >= b[2] || b[1] >= b[3]);
  if (bad.length) fail('box-syntax', `non-numeric box ${clip(bad[0])}`);
  else if (inverted.length) fail('box-syntax', `inverted box [${inverted[0].join(', ')}]`);
  const outside = boxes.filter((b) => b.some((v) => v < 0 || v > opts.bound));
  if (outside.length) fail('box-bound', `box [${outside[0].join(', ')}] outside [0, ${opts.bound}]`);

  let meanIou: number | null = null;
  if (truth.length) {
    const best = truth.map((t) => boxes.reduce((m, b) => Math.max(m, boxIou(b, t.box)), 0));
    meanIou = best.reduce((a, b) => a + b, 0) / best.length;
    const matched = best.filter((v) => v >= opts.iouThreshold).length;
    if (!boxes.length) fail('box-iou', `no box in the reasoning; ${truth.length} true region(s)`);
    else if (opts.boxMatch === 'all' ? matched < truth.length : matched === 0) {
      fail('box-iou', `${matched} of ${truth.length} true boxes matched at IoU ≥ ${opts.iouThreshold}`);
    }
  }

  const answer = extractAnswer(text);
  if (answer === NO_ANSWER || !answer.trim()) fail('answer-empty', answer === NO_ANSWER ? 'no closed \\boxed{}' : 'empty \\boxed{}');
  else {
    const mismatch = answerMismatch(answer, record, opts);
    if (mismatch) fail('answer', mismatch);
  }
  if (text.length < opts.minChars || text.length > opts.maxChars) fail('length', `${text.length} chars outside [${opts.minChars}, ${opts.maxChars}]`);
  return { recordId: record.id, failures, nBoxes: boxes.length, meanIou };
}

/** Ask the judge model; a reply is a pass when it says PASS and not FAIL. Errors count as failures. */
async function judgeFailure(response: string, record: InstructionRecord, truth: FindingBox[], judge: NonNullable<FilterOptions['judge']>): Promise<RuleFailure | null> {
  const t = judge.templates;
  const vars = { prompt: record.prompt, answer: record.answer, boxes: boxesAsText(truth), response };
  try {
    const res = await judge.client.chat({
      messages: [
        { role: 'system', content: fillTemplate(t.judge.system, vars, `${t.source}: judge.system`) },
        { role: 'user', content: fillTemplate(t.judge.user, vars, `${t.source}: judge.user`) },
      ],
      temperature: 0,
      maxTokens: 8,
    });
    const v = res.text.toUpperCase();
    return v.includes('PASS') && !v.includes('FAIL') ? null : { rule: 'judge', detail: `judge said '${clip(res.text.trim(), 20)}'` };
  } catch (e) {
    return { rule: 'judge', detail: `judge error: ${clip((e as Error).message, 80)}` };
  }
}

/** Check one response; the judge (if any) is asked only when every other rule passed. */
export async function filterResponse(response: string, record: InstructionRecord, truth: FindingBox[], opts: FilterOptions): Promise<FilterVerdict> {
  const v = checkResponse(response, record, truth, opts);
  if (!v.failures.length && opts.judge) {
    const f = await judgeFailure(response, record, truth, opts.judge);
    if (f) v.failures.push(f);
  }
  return { ...v, kept: v.failures.length === 0, reason: v.failures[0]?.rule ?? null };
}

export interface FilterTableRow {
  rule: FilterRule;
  /** Responses that failed this rule (a response may fail several). */
  failed: number;
  /** Responses dropped with this as their first failed rule. */
  dropped: number;
}

export interface FilterTable {
  total: number;
  kept: number;
  dropped: number;
  rows: FilterTableRow[];
}

/** Kept/dropped counts by rule. */
export function filterTable(verdicts: FilterVerdict[]): FilterTable {
  const rows = FILTER_RULES.map((rule) => ({
    rule,
    failed: verdicts.filter((v) => v.failures.some((f) => f.rule === rule)).length,
    dropped: verdicts.filter((v) => v.reason === rule).length,
  }));
  const kept = verdicts.filter((v) => v.kept).length;
  return { total: verdicts.length, kept, dropped: verdicts.length - kept, rows };
}

/** The table as Markdown. */
export function filterTableMarkdown(t: FilterTable): string {
  const lines = ['| rule | failed | dropped (first failure) |', '|---|---:|---:|'];
  for (const r of t.rows) lines.push(`| ${r.rule} | ${r.failed} | ${r.dropped} |`);
  lines.push(`| **kept** | | **${t.kept} of ${t.total}** |`);
  return lines.join('\n');
}
