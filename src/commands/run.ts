/** `deepmedix run` (`npm start`): the main job over the embedded default. */
import { initBackend } from '../backend.js';
import { resolveConfig, writeResolvedConfig } from '../config.js';
import { parseArgs, stringFlag, UsageError } from '../util/args.js';
import { COMMON_FLAGS, type Command } from './types.js';
import { join } from 'node:path';
import { runMainJob } from '../job/main.js';
import type { ExportFormat } from '../plots/render.js';

/** The pipeline's stages in order, as the paper runs them. */
export const PIPELINE = [
  { id: 'cohort', what: 'render the synthetic CXR cohort and build the instruction / XrayBench-shaped sets' },
  { id: 'stage1', what: 'stage 1: instruction SFT -> DeepMedix-mini' },
  { id: 'synthesis', what: 'synthesize grounded reasoning and filter it' },
  { id: 'stage2', what: 'stage 2: cold-start reasoning SFT' },
  { id: 'stage3', what: 'stage 3: GRPO online RL -> DeepMedix-R1-mini' },
  { id: 'evaluate', what: 'Table 1 and VQA metrics on the held-out benchmark' },
  { id: 'arena', what: 'Report Arena: pairwise judging, Bradley-Terry ranking' },
  { id: 'figures', what: 'paper figures and tables to figures/' },
] as const;

export const command: Command = {
  name: 'run',
  summary: 'the main job: cohort -> stage 1 -> synthesis -> stage 2 -> stage 3 -> evaluation -> arena -> figures',
  usage: `Usage: deepmedix run [--profile P] [--out DIR] [--dry-run] [--formats png,svg,html] [--quiet] [overrides]

Runs the whole pipeline on the embedded default (what 'npm start' calls). Each stage writes under
DIR/stages/<id>/ (DIR: --out, default data/runs/<profile>) and is skipped when its inputs (its
config sections and the stages it reads) are unchanged since it last finished; an interrupted run
continues where it stopped (training stages resume from their checkpoints). Changing e.g.
--grpo.steps reruns stage 3 and what follows, nothing before. Figures and tables go to
paths.figures (default figures/); DIR/summary.json holds per-stage seconds and headline metrics.
  --dry-run   print the plan and the backend, then stop
  --formats   figure formats (default png,svg,html with Chromium installed, else html)
  --quiet     no progress bars (stage lines and the summary still print)

${COMMON_FLAGS}`,
  async run(argv) {
    const args = parseArgs(argv, ['dry-run', 'quiet']);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const out = stringFlag(args, 'out') ?? join(config.paths.data, 'runs', config.profile);
    const backend = await initBackend();
    console.log(`DeepMedix workbench: profile '${config.profile}', backend ${backend.name}, outputs in ${out}`);
    console.log('Plan:');
    PIPELINE.forEach((s, i) => console.log(`  ${i + 1}. ${s.id.padEnd(10)} ${s.what}`));
    writeResolvedConfig(config, out);
    console.log(`Resolved config written to ${join(out, 'config.json')}`);
    if (args.flags['dry-run']) return 0;
    const formats = stringFlag(args, 'formats')?.split(',').map((f) => f.trim()) as ExportFormat[] | undefined;
    for (const f of formats ?? []) if (!['png', 'svg', 'html'].includes(f)) throw new UsageError(`--formats: '${f}' is not png, svg or html`);
    await runMainJob(config, { runDir: out, formats, quiet: Boolean(args.flags.quiet) });
    return 0;
  },
};
