/** `deepmedix viewer`: the reasoning viewer / expert review page, and Table 2 from review files. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { checkOutputFile, countFlag, parseArgs, numberFlag, requireFlag, stringFlag, UsageError } from './args.js';
import { loadViewerItems } from '../viewer/items.js';
import { groupAgreement, readReviews, table2, table2Markdown } from '../viewer/review.js';
import { startViewer } from '../viewer/server.js';
import { COMMON_FLAGS, type Command } from './types.js';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export const command: Command = {
  name: 'viewer',
  summary: 'reasoning viewer and expert review on 127.0.0.1; Table 2 from review files',
  usage: `Usage:
  deepmedix viewer [serve] --records FILE --predictions A.jsonl[,B.jsonl] [flags]
  deepmedix viewer table2 --reviews R1.jsonl[,R2.jsonl] [--groups G1,G2]

serve (default): a local page showing each study's image with the boxes named in each model's
reasoning, the reasoning, the answer and the truth; reviewers score relevance, correctness and
completeness and choose the better-grounded / better overall of two models. Reviews are appended
to a JSONL file.
  --records FILE        benchmark records (InstructionRecord JSONL)
  --predictions FILES   predictions JSONL ({id, text[, model]}), comma-separated FILE or NAME=FILE
                        (model: the line's field, else NAME, else the file name)
  --reviews FILE        where reviews are appended (default: DATA/reviews/reviews.jsonl)
  --models A,B          only items answered by every one of these models
  --image-root DIR      directory of relative image paths (default: the records file's directory)
  --port N              port on 127.0.0.1 (default 8765; 0 = any free port)
                        The page answers only at http://127.0.0.1:PORT/?token=… as printed (Host,
                        Origin and token checked; DEEPMEDIX_VIEWER_TOKEN sets the token)
  --scale-max N         review scale 0..N (default 1: yes/no)
  --unblind             show model names (default: "Response 1/2" in a per-item seeded order)
  --reviewer NAME --group NAME   pre-fill the reviewer fields

table2: the paper's Table 2 (mean scores, preference rates) and, with --groups, the agreement
between two reviewer groups, printed as Markdown.

${COMMON_FLAGS}`,
  flags: { values: ['group', 'groups', 'image-root', 'models', 'port', 'predictions', 'records', 'reviewer', 'reviews', 'scale-max'], booleans: ['unblind'], positionals: true },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const action = args.positionals[0] ?? 'serve';
    if (action === 'table2') {
      const recs = readReviews(list(requireFlag(args, 'reviews')));
      const groups = stringFlag(args, 'groups');
      let ag;
      if (groups) {
        const g = list(groups);
        if (g.length !== 2) throw new UsageError('--groups needs exactly two group names, e.g. --groups g1,g2');
        ag = groupAgreement(recs, g[0], g[1]);
      }
      console.log(table2Markdown(table2(recs), ag));
      return 0;
    }
    if (action !== 'serve') throw new UsageError(`unknown action '${action}' (serve | table2)`);
    const reviewsPath = stringFlag(args, 'reviews') ?? join(config.paths.data, 'reviews', 'reviews.jsonl');
    checkOutputFile(reviewsPath, '--reviews', '.jsonl file');
    const models = stringFlag(args, 'models');
    const items = loadViewerItems(requireFlag(args, 'records'), list(requireFlag(args, 'predictions')), {
      imageRoot: stringFlag(args, 'image-root'),
      requireModels: models ? list(models) : undefined,
    });
    // Checked before serving: a file that is not a review file is refused now, not at the first submission.
    if (existsSync(reviewsPath)) {
      const n = readReviews([reviewsPath]).length;
      console.log(`appending to ${reviewsPath} (${n} reviews there already)`);
    }
    const v = await startViewer({
      items,
      reviewsPath,
      port: numberFlag(args, 'port', 8765, { min: 0, max: 65535, integer: true }),
      scaleMax: countFlag(args, 'scale-max', 1),
      token: process.env.DEEPMEDIX_VIEWER_TOKEN || undefined,
      blind: !args.flags.unblind,
      seed: config.seed,
      reviewer: stringFlag(args, 'reviewer'),
      group: stringFlag(args, 'group'),
    });
    console.log(`Reasoning viewer: ${items.length} items (reviews -> ${reviewsPath}); open\n  ${v.openUrl}\n(the token in the URL lets only you in; set DEEPMEDIX_VIEWER_TOKEN to choose it). Ctrl-C to stop.`);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => void v.close().then(done));
      process.once('SIGTERM', () => void v.close().then(done));
    });
    return 0;
  },
};
