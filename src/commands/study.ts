/** `deepmedix study`: variants of a recipe over N RL seeds, each measure a paired difference with its interval. */
import { existsSync, readFileSync } from 'node:fs';
import { resolveConfig } from '../config.js';
import { initBackend } from '../backend.js';
import { checkPlan, defaultBaseRun, runStudy, writeStudyFiles, type StudyPlan, type Variant } from '../job/study.js';
import { readPredictionsManifest, studyFromPredictions } from '../job/study-predictions.js';
import { studyMarkdown } from '../plots/study.js';
import { checkOutputDir, countFlag, parseArgs, requireFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';

/** A variants file: a JSON list of {"name", "overrides": {dotted key: value}}; every error names the file and entry. */
export function readVariants(path: string): Variant[] {
  if (!existsSync(path)) throw new UsageError(`--variants ${path} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--variants ${path}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new UsageError(`--variants ${path}: expected a JSON list of {"name", "overrides"}`);
  return raw.map((v, i) => {
    const where = `--variants ${path}, entry ${i + 1}`;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${where}: expected an object {"name", "overrides"}`);
    const { name, overrides, ...rest } = v as Record<string, unknown>;
    if (Object.keys(rest).length) throw new UsageError(`${where}: unknown field '${Object.keys(rest)[0]}' (a variant has "name" and "overrides")`);
    if (typeof name !== 'string' || !name.trim()) throw new UsageError(`${where}: "name" must be a non-empty string`);
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) throw new UsageError(`${where} ('${name}'): "overrides" must be an object of dotted config keys`);
    return { name: name.trim(), overrides: overrides as Record<string, unknown> };
  });
}

/** "7,8,9,10" -> [7, 8, 9, 10] (whole numbers ≥ 1). */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 1)) throw new UsageError(`--seeds expects whole numbers ≥ 1 separated by commas, got '${text}'`);
  return seeds;
}

async function fromPredictions(args: ParsedArgs, profile: string, manifest: string): Promise<number> {
  for (const f of ['seeds', 'variants', 'base-run', 'headroom-items', 'headroom-samples']) {
    if (args.flags[f] !== undefined) throw new UsageError(`--${f} does not apply with --from-predictions (the manifest names the runs)`);
  }
  if (Object.keys(args.overrides).length) throw new UsageError('config overrides do not apply with --from-predictions (the manifest records each variant\'s overrides)');
  const references = requireFlag(args, 'references');
  if (!existsSync(references)) throw new UsageError(`--references ${references} does not exist`);
  const out = requireFlag(args, 'out');
  checkOutputDir(out, '--out');
  const result = studyFromPredictions(readPredictionsManifest(manifest), references, { bound: resolveConfig(profile).reward.bound });
  await writeStudyFiles(out, result, (l) => console.log(l));
  console.log(studyMarkdown(result));
  console.log(`\nstudy.json, study.md and the forest plot: ${out}`);
  return 0;
}

export const command: Command = {
  name: 'study',
  summary: 'variants of the recipe over N RL seeds: paired stage 3 − start differences with intervals',
  usage: `Usage: deepmedix study --profile P --seeds 7,8,9,10 [--variants FILE.json] [--base-run DIR] --out DIR
                       [--headroom-items N] [--headroom-samples G] [--quiet] [overrides of the base recipe]

For the base recipe (the profile with the overrides given here) and every variant in FILE.json (a
JSON list of {"name", "overrides": {"grpo.beta": 0, ...}}), at every RL seed (grpo.seed): runs the
main job's steps up to stage 3 in DIR/runs/<variant>/seed-<s>/, reusing every earlier step whose
inputs equal a finished one (in the base run or another run of the study), so a variant that changes
only stage 3 trains only stage 3. Each run's start (its stage-2 model) and end (stage 3) are scored
on the same benchmark items; every measure (vqa, report, boxMatch, each split) is reported as the
paired difference stage 3 − start and stage 3 − base recipe: mean over seeds, standard error over
items and seeds, 95% interval. Writes DIR/study.json, study.md and the forest plot (study-forest.*).
A killed study resumes where it stopped; a run that dies is recorded as failed and the study goes on.
  --seeds S,S,…          RL seeds (grpo.seed), e.g. 7,8,9,10
  --variants FILE        the variants (default: the base recipe alone)
  --base-run DIR         the run whose finished steps are reused (default data/runs/<profile>,
                         where 'deepmedix run' writes)
  --headroom-items N     also measure sampling headroom (greedy, sampled mean, majority@G, pass@G)
                         of every start and end model on N VQA items (default 0: not measured)
  --headroom-samples G   samples per item for the headroom (default 8)
  --quiet                no progress bars

       deepmedix study --from-predictions MANIFEST.json --references BENCHMARK.jsonl --out DIR [--profile P]

The same table over runs trained elsewhere (EasyR1 at paper scale): MANIFEST lists per variant and
seed the predictions JSONL of the run's start model and end model on BENCHMARK (see
docs/paper-scale.md); nothing is trained. The profile gives the box coordinate bound.

${COMMON_FLAGS}`,
  flags: { values: ['out', 'seeds', 'variants', 'base-run', 'headroom-items', 'headroom-samples', 'from-predictions', 'references'], booleans: ['quiet'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const profile = stringFlag(args, 'profile', 'default')!;
    const manifest = stringFlag(args, 'from-predictions');
    if (manifest) return fromPredictions(args, profile, manifest);
    const seeds = parseSeeds(requireFlag(args, 'seeds'));
    const out = requireFlag(args, 'out');
    checkOutputDir(out, '--out');
    const config = resolveConfig(profile, args.overrides);
    const variantsPath = stringFlag(args, 'variants');
    const variants = [{ name: 'base', overrides: {} }, ...(variantsPath ? readVariants(variantsPath) : [])];
    const plan: StudyPlan = { profile, base: args.overrides, variants, seeds, baseRun: stringFlag(args, 'base-run') ?? defaultBaseRun(config), out };
    checkPlan(plan);
    await initBackend();
    const headroomItems = Number(stringFlag(args, 'headroom-items') ?? 0);
    if (!Number.isInteger(headroomItems) || headroomItems < 0) throw new UsageError(`--headroom-items expects a whole number ≥ 0, got '${stringFlag(args, 'headroom-items')}'`);
    const result = await runStudy(plan, { quiet: Boolean(args.flags.quiet), headroom: { items: headroomItems, samples: countFlag(args, 'headroom-samples', 8)! } });
    console.log(studyMarkdown(result));
    console.log(`\nstudy.json, study.md and the forest plot: ${out}`);
    return 0;
  },
};
