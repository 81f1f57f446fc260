/**
 * Readable views of GRPO: the step log flattened for the curve plots, and Markdown tables of a
 * dissected step (responses and rewards, advantages, per-token ratios / clipping / KL) for
 * notebook 05, and of ablation runs for notebook 08.
 */
import type { GrpoStepLog } from './trainer.js';
import type { GrpoValidationLog } from './validation.js';
import type { DissectedResponse, DissectedStep } from './dissect.js';

/** One flat row per step with the quantities worth plotting, named as in the paper / peers' logs. */
export function grpoLogRows(logs: readonly GrpoStepLog[], validation: readonly GrpoValidationLog[] = []): ({ step: number } & Record<string, number>)[] {
  const rows: ({ step: number } & Record<string, number>)[] = logs.map((l) => ({
    step: l.step,
    reward: l.reward.total.mean,
    reward_std: l.reward.total.std,
    r_ans: l.reward.answer.mean,
    r_form: l.reward.format.mean,
    r_coo: l.reward.coordinate.mean,
    ...(l.kl === null ? {} : { kl: l.kl }),
    clip_fraction: l.clipFraction,
    entropy: l.entropy,
    response_length: l.responseLength.mean,
    boxes_per_response: l.boxesPerResponse,
    frac_reward_zero_std: l.fracRewardZeroStd,
    grad_norm: l.gradNorm,
  }));
  // The validation probe's greedy reward joins the row of its step (step 0, before any update, gets its own row).
  for (const v of validation) {
    let row = rows.find((r) => r.step === v.step);
    if (!row) rows.push((row = { step: v.step }));
    row.val_reward = v.reward.total;
  }
  return rows.sort((a, b) => a.step - b.step);
}

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : Number.isNaN(v) ? '–' : String(v));
/** Text safe inside a Markdown table cell. */
export function cell(s: string, max = 140): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return t.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ⏎ ');
}

/** The G responses of a dissected step with their reward components and advantages. */
export function responsesMarkdown(d: DissectedStep, maxChars = 160): string {
  const rows = d.responses.map(
    (r, i) =>
      `| ${i} | ${cell(r.text, maxChars)} | ${cell(r.reward.extracted, 40)} | ${f(r.reward.answer)} | ${r.reward.format} | ${f(r.reward.coordinate, 2)} | **${f(r.reward.total)}** | ${f(r.advantage)} |`,
  );
  return [
    `Ground truth: \`${cell(d.prompt.answer, 200)}\` (${d.responses[0]?.reward.kind ?? ''}). Group mean ${f(d.groupMean)}, std ${f(d.groupStd)}${d.zeroStd ? ' — **all rewards equal: every advantage is 0 and this prompt teaches nothing this step**' : ''}.`,
    '',
    '| # | response | answer | r_ans | r_form | r_coo | r | Â |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Per-token view of one response: old / reference / new log-probs, k3, ratio and the clip. */
export function tokensMarkdown(r: DissectedResponse, clipLow: number, clipHigh: number, maxTokens = 40): string {
  const n = Math.min(maxTokens, r.pieces.length);
  const rows: string[] = [];
  for (let t = 0; t < n; t++) {
    const ref = r.refLogProbs ? f(r.refLogProbs[t]) : '–';
    const kl = r.kl ? f(r.kl[t], 4) : '–';
    rows.push(`| ${t} | \`${cell(r.pieces[t] || ' ', 30)}\` | ${f(r.oldLogProbs[t])} | ${ref} | ${kl} | ${f(r.newLogProbs[t])} | ${f(r.ratio[t])} | ${r.clipped[t] ? '**clipped**' : ''} |`);
  }
  return [
    `Â = ${f(r.advantage)}; clip range [${1 - clipLow}, ${1 + clipHigh}]${r.pieces.length > n ? `; first ${n} of ${r.pieces.length} tokens` : ''}.`,
    '',
    '| t | token | log π_old | log π_ref | k3 | log π_new | ratio | |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
