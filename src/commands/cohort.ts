/** `deepmedix cohort`: render the synthetic CXR cohort (studies.jsonl + images) into a directory. */
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { buildCohort } from '../data/cohort.js';
import { prepareDatasets } from '../data/prepare.js';
import { checkOutputDir, numberFlag, parseArgs, stringFlag, UsageError } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';

export const command: Command = {
  name: 'cohort',
  summary: 'render the synthetic chest X-ray cohort (studies.jsonl + 512x512 PNG images)',
  usage: `Usage: deepmedix cohort [--n N] [--seed S] [--out DIR] [--profile P] [--concurrency K] [--datasets] [--quiet]

Renders N synthetic studies into DIR: DIR/studies.jsonl (one study per line: id, patientId, image,
sex, age, view, labels (14 CheXpert observations: 1, 0, -1; absent when not mentioned), boxes,
findings, impression, meta), DIR/images/*.png (greyscale, frame x frame) and DIR/manifest.json.
The directory appears only when complete. The same seed gives byte-identical files.
  --n N            number of studies (default: the profile's cohort.n)
  --seed S         seed (default: the profile's seed)
  --out DIR        output directory (default: data/cohort-<profile>)
  --concurrency K  studies rendered at once (default 4)
  --datasets       also split by patient and write DIR/splits.json, instructions-train.jsonl,
                   instructions-val.jsonl, xraybench.jsonl (+ -summary.json); benchmark.* keys set sizes
  Real sources for the XrayBench-shaped test set (with --datasets; each takes its splits):
  --mimic DIR      MIMIC-CXR-JPG root (CSVs, files/); --mimic-reports DIR for the report .txt files
  --openi DIR      Open-I root with indiana_reports.csv, indiana_projections.csv and images/
  --ext-vqa FILE   MIMIC-Ext-MIMIC-CXR-VQA test JSON;  --cxr-vqa FILE  Medical-CXR-VQA CSV
  --lenient        skip (and count) malformed rows of real sources instead of stopping

${COMMON_FLAGS}`,
  flags: { values: ['out', 'n', 'seed', 'concurrency', 'mimic', 'mimic-reports', 'openi', 'ext-vqa', 'cxr-vqa'], booleans: ['quiet', 'datasets', 'lenient'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const n = numberFlag(args, 'n', config.cohort.n)!;
    const seed = numberFlag(args, 'seed', config.seed)!;
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--n must be a positive integer, got ${n}`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
    const out = stringFlag(args, 'out') ?? join(config.paths.data, `cohort-${config.profile}`);
    checkOutputDir(out, '--out', ['studies.jsonl']);
    if (args.flags.datasets) {
      const t0 = Date.now();
      const cfg = { ...config, seed, cohort: { ...config.cohort, n } };
      const real = { mimic: stringFlag(args, 'mimic'), mimicReports: stringFlag(args, 'mimic-reports'), openi: stringFlag(args, 'openi'), extVqa: stringFlag(args, 'ext-vqa'), cxrVqa: stringFlag(args, 'cxr-vqa') };
      const p = await prepareDatasets(cfg, out, { quiet: Boolean(args.flags.quiet), concurrency: numberFlag(args, 'concurrency', 4), real, lenient: Boolean(args.flags.lenient) });
      console.log(`wrote ${p.studies.length} studies and datasets to ${p.dir} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      console.log(`  patients split train/val/test: ${p.splits.train.length}/${p.splits.val.length}/${p.splits.test.length} studies; instructions train ${p.train.length}, val ${p.val.length}`);
      if (p.skipped.length) console.log(`  skipped ${p.skipped.length} malformed rows of real sources (--lenient); first: ${p.skipped[0].error}`);
      for (const s of p.summary) console.log(`  xraybench ${s.split.padEnd(17)} ${String(s.built).padStart(6)} / ${s.requested} requested  ${JSON.stringify(s.sources)}`);
      return 0;
    }
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
