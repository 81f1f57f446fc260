/** `deepmedix run` (`npm start`): the main job over the embedded default. */
import { initBackend } from '../backend.js';
import { resolveConfig, writeResolvedConfig } from '../config.js';
import { checkOutputDir, parseArgs, stringFlag, UsageError } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';
import { jobSteps, runMainJob } from '../job/main.js';
import { runLayout } from '../run-layout.js';
import type { ExportFormat } from '../plots/render.js';

export const command: Command = {
  name: 'run',
  summary: 'the main job: cohort -> stage 1 -> synthesis -> stage 2 -> stage 3 -> evaluation -> arena -> figures',
  usage: `Usage: deepmedix run [--profile P] [--out DIR] [--dry-run] [--formats png,svg,html] [--quiet] [overrides]

Runs the whole pipeline on the embedded default (what 'npm start' calls). Each stage writes under
DIR/steps/<id>/ (DIR: --out, default data/runs/<profile>) and is skipped when its inputs (its
config sections and the stages it reads) are unchanged since it last finished; an interrupted run
continues where it stopped (training stages resume from their checkpoints). Changing e.g.
--grpo.steps reruns stage 3 and what follows, nothing before. Figures and tables go to
paths.figures (default figures/); DIR/summary.json holds per-stage seconds and headline metrics.
  --dry-run   print the plan and the backend, then stop
  --formats   figure formats (default png,svg,html with Chromium installed, else html)
  --quiet     no progress bars (stage lines and the summary still print)

${COMMON_FLAGS}`,
  flags: { values: ['out', 'formats'], booleans: ['dry-run', 'quiet'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const layout = runLayout(config, stringFlag(args, 'out'));
    const out = layout.root;
    checkOutputDir(out, '--out');
    const backend = await initBackend();
    console.log(`DeepMedix workbench: profile '${config.profile}', backend ${backend.name}, outputs in ${out}`);
    console.log('Plan:');
    const plan = jobSteps({ config, layout, figuresDir: config.paths.figures, quiet: true, log: () => {} });
    plan.forEach((s, i) => console.log(`  ${i + 1}. ${s.id.padEnd(10)} ${s.what}`));
    writeResolvedConfig(config, out);
    console.log(`Resolved config written to ${layout.config}`);
    if (args.flags['dry-run']) return 0;
    const formats = stringFlag(args, 'formats')?.split(',').map((f) => f.trim()) as ExportFormat[] | undefined;
    for (const f of formats ?? []) if (!['png', 'svg', 'html'].includes(f)) throw new UsageError(`--formats: '${f}' is not png, svg or html`);
    await runMainJob(config, { runDir: out, formats, quiet: Boolean(args.flags.quiet) });
    return 0;
  },
};
