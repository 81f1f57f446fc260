/**
 * LLM judge for the Report Arena: an LLM behind the OpenAI-compatible chat interface reads the
 * reference report and two candidate reports and says which candidate agrees better with the
 * reference, clinically. Each battle is asked in both presentation orders (A/B, then B/A) to cancel
 * the judge's position bias; the battle's outcome is the mean of the two verdicts' scores, so two
 * verdicts that disagree by one step give ¼ or ¾ and a full reversal gives a tie.
 *
 * A reply that names no verdict raises `VerdictParseError` with the raw text; the arena retries the
 * battle (the retry prompt adds a reminder of the answer format, which also bypasses any response
 * cache) and after its retry budget records the battle as skipped, with the raw text.
 */
import { VerdictParseError, type Judge, type JudgeRequest, type Judgement, type Verdict } from './types.js';

/** The part of the chat client the judge needs (src/llm/client.ts satisfies it). */
export interface ChatLike {
  chat(req: { messages: { role: string; content: string }[]; temperature?: number; maxTokens?: number }): Promise<{ text: string }>;
}

export interface LlmJudgeOptions {
  /** Name stored with every battle (include the judge model, e.g. `llm:gpt-4.1`). */
  name?: string;
  temperature?: number;
  maxTokens?: number;
  /** Keep at most this many characters of each raw reply in the battle log (default 600). */
  keepRawChars?: number;
}

export const JUDGE_SYSTEM_PROMPT = [
  'You are an experienced radiologist auditing chest X-ray reports.',
  'You will see the reference report written for a study and two candidate reports (A and B) for the same study.',
  'Decide which candidate is clinically closer to the reference. What counts: the findings the reference states',
  '(presence or absence, side, location, size or severity, devices and their position) that a candidate gets right,',
  'findings it leaves out, and findings it invents or contradicts; a serious error outweighs a missing minor detail.',
  'Wording, length, order and style do not count unless they change the clinical meaning.',
  'When neither candidate is clinically better, the answer is a tie.',
].join(' ');

/** The user message for one presentation order. */
export function judgePrompt(reference: string, first: string, second: string, reminder = false): string {
  const block = (title: string, text: string) => `${title}:\n"""\n${text.trim() || '(empty report)'}\n"""`;
  const lines = [
    block('Reference report', reference),
    block('Candidate report A', first),
    block('Candidate report B', second),
    'Which candidate agrees better with the reference? Give at most three short sentences of justification, then end with a line that is exactly one of:',
    'Verdict: A',
    'Verdict: B',
    'Verdict: tie',
  ];
  if (reminder) lines.push('Your previous reply could not be read. The last line must be "Verdict: A", "Verdict: B" or "Verdict: tie".');
  return lines.join('\n\n');
}

const TIE_WORDS = /^(?:a\s+)?(?:tie|tied|draw|equal|equally|equivalent|same|both|neither|none|c)\b/i;
const SIDE = /^(?:candidate\s+|report\s+|option\s+|response\s+)?(a|b)\b(?!\s*(?:and|or|\/|&)\s*(?:candidate\s+|report\s+)?[ab]\b)/i;

/** Read the token right after a verdict marker. */
function readToken(rest: string): Verdict | null {
  const s = rest.replace(/^[\s:：=\-–—"'“”‘’([{<]*/, '');
  if (TIE_WORDS.test(s)) return 'tie';
  const m = SIDE.exec(s);
  if (m) return m[1].toUpperCase() as Verdict;
  return null;
}

/**
 * Parse a judge's reply into A, B or tie; null when no verdict can be found. Reasoning inside
 * `<think>…</think>` is ignored; markdown emphasis is stripped; the LAST verdict marker wins
 * ("Verdict:", "Final verdict", "Answer:", "Winner:", "[[A]]", "\boxed{A}"); failing those, a last
 * line that is just "A", "B", "Tie" or "Report A".
 */
export function parseVerdict(text: string): Verdict | null {
  let body = text;
  const close = body.lastIndexOf('</think>');
  if (close >= 0 && body.slice(close + 8).trim() !== '') body = body.slice(close + 8);
  body = body.replace(/[*_`#]+/g, '');
  let best: { at: number; v: Verdict } | null = null;
  const consider = (at: number, v: Verdict | null) => {
    if (v && (!best || at >= best.at)) best = { at, v };
  };
  const marker = /\b(?:final\s+)?(?:verdict|answer|decision|winner|judgement|judgment|choice)\s*(?:is|was)?\s*[:：=\-–—]?/gi;
  for (let m = marker.exec(body); m; m = marker.exec(body)) consider(m.index, readToken(body.slice(m.index + m[0].length)));
  const bracket = /\[\[\s*(A|B|C|tie)\s*\]\]|\\boxed\{\s*(?:\\text\{)?\s*(A|B|tie)\s*\}?\s*\}/gi;
  for (let m = bracket.exec(body); m; m = bracket.exec(body)) consider(m.index, readToken(m[1] ?? m[2]));
  if (best) return (best as { v: Verdict }).v;
  const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = (lines[lines.length - 1] ?? '').replace(/[.!\s]+$/, '');
  if (/^(?:(?:candidate|report)\s+)?[ab](?:\s+is\s+better)?$/i.test(last)) return last.match(/[ab](?=(?:\s+is\s+better)?$)/i)![0].toUpperCase() as Verdict;
  if (/^(?:(?:it'?s|it\s+is)\s+a\s+)?(?:tie|draw)$/i.test(last)) return 'tie';
  return null;
}

/** Score of the first-shown candidate for a verdict. */
const firstScore = (v: Verdict): number => (v === 'A' ? 1 : v === 'B' ? 0 : 0.5);

export function llmJudge(client: ChatLike, opts: LlmJudgeOptions = {}): Judge {
  const keep = opts.keepRawChars ?? 600;
  const ask = async (reference: string, first: string, second: string, attempt: number) => {
    const reply = await client.chat({
      messages: [
        { role: 'system', content: JUDGE_SYSTEM_PROMPT },
        { role: 'user', content: judgePrompt(reference, first, second, attempt > 0) },
      ],
      temperature: opts.temperature ?? 0,
      maxTokens: opts.maxTokens ?? 400,
    });
    return { verdict: parseVerdict(reply.text), raw: reply.text };
  };
  const judgeAttempt = async (req: JudgeRequest, attempt: number): Promise<Judgement> => {
    const [ab, ba] = await Promise.all([ask(req.reference, req.a, req.b, attempt), ask(req.reference, req.b, req.a, attempt)]);
    const bad = [ab, ba].map((o, k) => (o.verdict === null ? k : -1)).filter((k) => k >= 0);
    if (bad.length > 0) {
      const o = bad[0] === 0 ? ab : ba;
      throw new VerdictParseError(
        `judge reply in order ${bad[0] === 0 ? 'A/B' : 'B/A'} names no verdict (A, B or tie): ${JSON.stringify(o.raw.slice(0, 200))}`,
        o.raw,
      );
    }
    const sAB = firstScore(ab.verdict!); // score of req.a shown first
    const sBA = 1 - firstScore(ba.verdict!); // req.a shown second
    const outcome = (sAB + sBA) / 2;
    return {
      outcome,
      verdict: outcome > 0.5 ? 'A' : outcome < 0.5 ? 'B' : 'tie',
      detail: {
        orders: [
          { shown: 'A/B', verdict: ab.verdict, raw: ab.raw.slice(0, keep) },
          { shown: 'B/A', verdict: ba.verdict, raw: ba.raw.slice(0, keep) },
        ],
        positionConsistent: sAB === sBA,
      },
    };
  };
  return {
    name: opts.name ?? 'llm',
    judge: (req) => judgeAttempt(req, req.attempt ?? 0),
  };
}
