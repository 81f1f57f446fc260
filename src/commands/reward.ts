/** `deepmedix reward`: score one response with the paper's reward and print every component as JSON. */
import { resolveConfig } from '../config.js';
import { computeReward } from '../rewards/compose.js';
import { parseArgs, requireFlag, stringFlag, UsageError } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';
import { ANSWER_KINDS, type AnswerKind } from '../data/types.js';

export const command: Command = {
  name: 'reward',
  summary: 'score one response with r = (1 − λ)·r_ans + λ·r_form + r_coo; print the components as JSON',
  usage: `Usage: deepmedix reward --response TEXT --answer TEXT [--kind free|short|list] [--reward.KEY=VALUE …]

Prints {total, answer, format, coordinate, kind, extracted, boxes, outOfBound, freeText?} as JSON.
  --response TEXT   the model's full response (<think>…</think> … \\boxed{…}); use --response=TEXT
                    when TEXT starts with '--'
  --answer TEXT     the ground-truth answer
  --kind K          force the answer kind (default: inferred from the ground truth as the paper's
                    code does: '|' list -> list, ≤ 2 words -> short, else free text)
  Reward switches (ablations): --reward.lambda=0.1 --reward.coordinate=cap|floor|off
  --reward.format=true|false --reward.text=paper-code|word --reward.bound=512
  --reward.clinical=0..1 (not in the paper: weight of CheXpert-label agreement in the free-text score)

${COMMON_FLAGS}`,
  flags: { values: ['response', 'answer', 'kind'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const response = requireFlag(args, 'response');
    const answer = requireFlag(args, 'answer');
    const kindFlag = stringFlag(args, 'kind');
    if (kindFlag !== undefined && !(ANSWER_KINDS as readonly string[]).includes(kindFlag)) {
      throw new UsageError(`--kind must be one of ${ANSWER_KINDS.join(', ')}; got '${kindFlag}'`);
    }
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const components = computeReward(response, answer, config.reward, kindFlag as AnswerKind | undefined);
    console.log(JSON.stringify(components, null, 2));
    return 0;
  },
};
