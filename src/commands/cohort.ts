/** `deepmedix cohort`: render the synthetic CXR cohort (studies.jsonl + images) into a directory. */
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { buildCohort } from '../data/cohort.js';
import { numberFlag, parseArgs, stringFlag, UsageError } from '../util/args.js';
import { COMMON_FLAGS, type Command } from './types.js';

export const command: Command = {
  name: 'cohort',
  summary: 'render the synthetic chest X-ray cohort (studies.jsonl + 512x512 PNG images)',
  usage: `Usage: deepmedix cohort [--n N] [--seed S] [--out DIR] [--profile P] [--concurrency K] [--quiet]

Renders N synthetic studies into DIR: DIR/studies.jsonl (one study per line: id, patientId, image,
sex, age, view, labels (14 CheXpert observations: 1, 0, -1; absent when not mentioned), boxes,
findings, impression, meta), DIR/images/*.png (greyscale, frame x frame) and DIR/manifest.json.
The directory appears only when complete. The same seed gives byte-identical files.
  --n N            number of studies (default: the profile's cohort.n)
  --seed S         seed (default: the profile's seed)
  --out DIR        output directory (default: data/cohort-<profile>)
  --concurrency K  studies rendered at once (default 4)

${COMMON_FLAGS}`,
  async run(argv) {
    const args = parseArgs(argv, ['quiet']);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const n = numberFlag(args, 'n', config.cohort.n)!;
    const seed = numberFlag(args, 'seed', config.seed)!;
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--n must be a positive integer, got ${n}`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
    const out = stringFlag(args, 'out') ?? join(config.paths.data, `cohort-${config.profile}`);
    const { dir, studies, seconds } = await buildCohort(out, {
      n,
      seed,
      frame: config.cohort.frame,
      normalFraction: config.cohort.normalFraction,
      concurrency: numberFlag(args, 'concurrency', 4),
      quiet: Boolean(args.flags.quiet),
    });
    console.log(`wrote ${studies.length} studies to ${dir} in ${seconds.toFixed(1)}s (${(studies.length / seconds).toFixed(0)} studies/s)`);
    return 0;
  },
};
