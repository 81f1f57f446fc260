/**
 * `deepmedix study`: a base recipe, variants of it (config overrides) and N RL seeds. For every
 * variant and seed the main job's steps run up to stage 3 in their own run directory
 * (`<out>/runs/<variant>/seed-<s>/`); a step whose inputs equal a step already finished — in the
 * base run (the main job's), in another run of the study or in another study kept in the base run's
 * `studies/` folder — is linked to it instead of rerun, so a variant that changes only stage 3 trains
 * only stage 3, and a run two studies share (the recipe at a seed) is trained once. Every run keeps its config and logs; a
 * killed study resumes where it stopped (finished runs are skipped, a run cut short resumes from its
 * checkpoints); a run that dies is recorded as failed and the study goes on. Scoring is
 * src/job/study-scores.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, resolveConfig, writeResolvedConfig, type Config, type Overrides } from '../config.js';
import { readDatasets, type DatasetFiles } from '../data/prepare.js';
import { balancedSelection } from '../data/selection.js';
import { configuredTemplates, withFormatPrompts } from '../data/templates.js';
import type { InstructionRecord } from '../data/types.js';
import { samplingHeadroom, type HeadroomSummary } from '../eval/sampling-headroom.js';
import { loadModel } from '../model/checkpoint.js';
import { chromiumPath, exportFigures } from '../plots/render.js';
import { studyForestFigure, studyMarkdown } from '../plots/study.js';
import { layoutAt, runLayout, type RunLayout } from '../run-layout.js';
import { atomicWrite, readJson, writeJson } from '../util/fsx.js';
import { formatSeconds } from '../util/progress.js';
import { jobSteps, runJobSteps } from './main.js';
import { plannedHashes, stepMarker, type StepRecord } from './pipeline.js';
import { scoreVariant, StudyScorer, type ScoredRun } from './study-scores.js';
import type { StudyResult, VariantResult } from '../eval/study-result.js';

export interface Variant {
  name: string;
  /** Dotted config overrides laid over the base recipe (e.g. `{ "grpo.beta": 0 }`). */
  overrides: Record<string, unknown>;
}

export interface StudyPlan {
  profile: string;
  /** The base recipe: overrides of the profile every variant starts from. */
  base: Record<string, unknown>;
  /** The base recipe itself first (named 'base'), then the variants. */
  variants: Variant[];
  seeds: number[];
  /** The run whose finished steps the study reuses (default: the profile's main-job run). */
  baseRun: string;
  out: string;
}

export interface StudyRun {
  variant: string;
  seed: number;
  status: 'done' | 'failed';
  error?: string;
  runDir: string;
  /** Wall and CPU seconds of the steps this study ran for the run (linked steps cost nothing). */
  seconds: number;
  cpuSeconds: number;
  /** Steps run here, and steps linked to an earlier run. */
  ran: string[];
  linked: string[];
}

/** A variant's name as a directory name. */
export function variantSlug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return s || 'variant';
}

/** The resolved config of a variant at a seed; an unknown key or a bad value is an error naming the variant. */
export function variantConfig(plan: Pick<StudyPlan, 'profile' | 'base'>, v: Variant, seed: number): Config {
  try {
    return resolveConfig(plan.profile, { ...plan.base, ...v.overrides, 'grpo.seed': seed } as Overrides);
  } catch (e) {
    throw Object.assign(new Error(`variant '${v.name}': ${(e as Error).message}`), { name: (e as Error).name });
  }
}

/** Check a plan before anything runs: names unique, every variant's config resolves at every seed (a ConfigError: a usage error). */
export function checkPlan(plan: StudyPlan): void {
  if (!plan.seeds.length) throw new ConfigError('study: no seeds');
  if (new Set(plan.seeds).size !== plan.seeds.length) throw new ConfigError(`study: seeds repeat (${plan.seeds.join(', ')})`);
  const slugs = new Map<string, string>();
  for (const v of plan.variants) {
    const slug = variantSlug(v.name);
    if (slugs.has(slug)) throw new ConfigError(`study: variants '${slugs.get(slug)}' and '${v.name}' share the directory name '${slug}'`);
    slugs.set(slug, v.name);
    for (const s of plan.seeds) variantConfig(plan, v, s);
  }
}

export function runDirOf(plan: Pick<StudyPlan, 'out'>, variant: string, seed: number): string {
  return join(plan.out, 'runs', variantSlug(variant), `seed-${seed}`);
}

/** Finished step directories by input hash, over the run directories given. */
function finishedSteps(runDirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const root of runDirs) {
    const steps = join(root, 'steps');
    if (!existsSync(steps)) continue;
    for (const id of readdirSync(steps)) {
      const dir = join(steps, id);
      if (lstatSync(dir).isSymbolicLink()) continue;
      const marker = stepMarker(dir);
      if (existsSync(marker)) out.set(readJson<StepRecord<unknown>>(marker).hash, dir);
    }
  }
  return out;
}

/** Run directories of a study folder (`<study>/runs/<variant>/seed-<s>`). */
function studyRunDirs(study: string): string[] {
  const runs = join(study, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).flatMap((v) => (statSync(join(runs, v)).isDirectory() ? readdirSync(join(runs, v)).map((s) => join(runs, v, s)) : []));
}

/** The base run, every run of this study so far, and the runs of the other studies kept in the base run's studies/ folder. */
function knownRuns(plan: StudyPlan): string[] {
  const siblings = join(plan.baseRun, 'studies');
  const self = existsSync(plan.out) ? realpathSync(plan.out) : '';
  const others = existsSync(siblings) ? readdirSync(siblings).map((d) => join(siblings, d)).filter((d) => statSync(d).isDirectory() && realpathSync(d) !== self) : [];
  return [plan.baseRun, ...studyRunDirs(plan.out), ...others.flatMap(studyRunDirs)];
}

/**
 * Link the steps up to stage 3 whose planned hash matches a finished step elsewhere (the same
 * inputs, code and settings: the same computation), so a run another study already trained is not
 * trained again; returns the linked step ids. A step already finished here (or linked) is left as it is.
 */
function linkFinishedSteps(config: Config, layout: RunLayout, plan: StudyPlan): string[] {
  const specs = jobSteps({ config, layout, figuresDir: config.paths.figures, quiet: true, log: () => {} });
  const hashes = plannedHashes(specs.slice(0, specs.findIndex((s) => s.id === 'stage3') + 1));
  const done = finishedSteps(knownRuns(plan));
  const linked: string[] = [];
  for (const [id, hash] of hashes) {
    const here = layout.step(id);
    if (existsSync(stepMarker(here)) && readJson<StepRecord<unknown>>(stepMarker(here)).hash === hash) {
      if (lstatSync(here).isSymbolicLink()) linked.push(id);
      continue;
    }
    const there = done.get(hash);
    if (!there) continue;
    if (existsSync(here) || isDanglingLink(here)) rmSync(here, { recursive: true, force: true });
    mkdirSync(join(layout.root, 'steps'), { recursive: true });
    symlinkSync(relative(join(layout.root, 'steps'), there), here, 'dir');
    linked.push(id);
  }
  return linked;
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink() && !existsSync(readlinkSync(p));
  } catch {
    return false;
  }
}

/** Run (or resume) every run of the plan; returns the run records in plan order. */
export async function runStudyRuns(plan: StudyPlan, o: { quiet?: boolean; log?: (line: string) => void } = {}): Promise<StudyRun[]> {
  checkPlan(plan);
  const log = o.log ?? ((l: string) => console.log(l));
  mkdirSync(plan.out, { recursive: true });
  writeJson(join(plan.out, 'plan.json'), plan);
  const runs: StudyRun[] = [];
  const total = plan.variants.length * plan.seeds.length;
  for (const v of plan.variants) {
    for (const seed of plan.seeds) {
      const runDir = runDirOf(plan, v.name, seed);
      const recordPath = join(runDir, 'study-run.json');
      const prefix = `[study ${runs.length + 1}/${total}] ${v.name}, seed ${seed}`;
      if (existsSync(recordPath) && readJson<StudyRun>(recordPath).status === 'done') {
        runs.push(readJson<StudyRun>(recordPath));
        log(`${prefix}: finished earlier`);
        continue;
      }
      const config = variantConfig(plan, v, seed);
      const layout = layoutAt(runDir);
      mkdirSync(runDir, { recursive: true });
      writeResolvedConfig(config, runDir);
      const linked = linkFinishedSteps(config, layout, plan);
      log(`${prefix}: ${linked.length ? `reusing ${linked.join(', ')}; ` : ''}running the rest up to stage 3`);
      let run: StudyRun;
      try {
        const r = await runJobSteps(config, { runDir, until: 'stage3', quiet: o.quiet, log: () => {} });
        const ran = r.steps.filter((s) => s.status === 'ran');
        run = { variant: v.name, seed, status: 'done', runDir, seconds: ran.reduce((a, s) => a + s.seconds, 0), cpuSeconds: ran.reduce((a, s) => a + (s.cpuSeconds ?? 0), 0), ran: ran.map((s) => s.id), linked };
        log(`${prefix}: done in ${formatSeconds(run.seconds)} (${run.ran.join(', ') || 'nothing new'})`);
      } catch (e) {
        run = { variant: v.name, seed, status: 'failed', error: (e as Error).message, runDir, seconds: 0, cpuSeconds: 0, ran: [], linked };
        log(`${prefix}: FAILED: ${(e as Error).message}`);
      }
      writeJson(recordPath, run);
      runs.push(run);
    }
  }
  return runs;
}

/** The layout of a study run (for scoring). */
export function studyRunLayout(run: Pick<StudyRun, 'runDir'>): RunLayout {
  return layoutAt(run.runDir);
}

/** The default base run of a profile (the main job's). */
export function defaultBaseRun(config: Config): string {
  return runLayout(config).root;
}

export interface StudyOptions {
  quiet?: boolean;
  log?: (line: string) => void;
  /** Sampling headroom of every start and end model on this many VQA items, G samples each (0 items: not measured). */
  headroom?: { items: number; samples: number };
  /** Item blocks of the jackknife (default 20). */
  blocks?: number;
}

/** Run, score and write a study: `<out>/study.json`, `study.md`, and the forest plot's spec. */
export async function runStudy(plan: StudyPlan, o: StudyOptions = {}): Promise<StudyResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const runs = await runStudyRuns(plan, o);
  const done = runs.filter((r) => r.status === 'done');
  if (!done.length) throw new Error(`study: every run failed (first: ${runs[0]?.error ?? 'none ran'})`);
  const first = studyRunLayout(done[0]);
  const data = readDatasets(first.cohort);
  const benchId = fileHash(first.benchmark);
  for (const r of done) {
    if (fileHash(studyRunLayout(r).benchmark) !== benchId) throw new Error(`study: variant '${r.variant}' has another benchmark than '${done[0].variant}' (it changes the cohort); a study compares runs on the same items, so change the cohort in the base recipe instead`);
  }
  const config0 = variantConfig(plan, plan.variants[0], plan.seeds[0]);
  const scorer = new StudyScorer(data.benchmark, new Map(data.studies.map((s) => [s.id, s])), config0.reward.bound, o.blocks);
  const headroom = o.headroom && o.headroom.items > 0 ? new HeadroomCache(plan, data, o.headroom.items, o.headroom.samples, config0) : null;
  log(`[study] scoring ${done.length} runs on ${data.benchmark.length} benchmark items`);
  const baseName = plan.variants[0].name;
  const scored = (r: StudyRun): ScoredRun => ({ seed: r.seed, start: studyRunLayout(r).predictions('stage2'), end: studyRunLayout(r).predictions('stage3'), seconds: r.seconds });
  const baseBySeed = new Map(done.filter((r) => r.variant === baseName).map((r) => [r.seed, scored(r)]));
  const variants: VariantResult[] = [];
  for (const v of plan.variants) {
    const mine = done.filter((r) => r.variant === v.name);
    const failed = runs.filter((r) => r.variant === v.name && r.status === 'failed').map((r) => ({ seed: r.seed, error: r.error ?? '' }));
    const result = scoreVariant(scorer, v, mine.map(scored), failed, v.name === baseName ? null : baseBySeed);
    if (headroom && mine.length) result.headroom = await headroom.forRuns(mine, v);
    variants.push(result);
  }
  const c = config0;
  const result: StudyResult = {
    profile: plan.profile,
    seeds: plan.seeds,
    base: plan.base,
    baseRun: plan.baseRun,
    items: { total: data.benchmark.length, vqa: data.benchmark.filter((r) => r.task === 'vqa').length, report: data.benchmark.filter((r) => r.task.startsWith('report')).length },
    ...(headroom ? { headroom: { items: headroom.items.length, samples: headroom.samples, temperature: c.grpo.temperature } } : {}),
    variants,
    finishedAt: new Date().toISOString(),
  };
  await writeStudyFiles(plan.out, result, log);
  return result;
}

/** Write study.json, study.md and the forest plot (PNG/SVG/HTML; HTML alone without Chromium) into `out`. */
export async function writeStudyFiles(out: string, result: StudyResult, log: (line: string) => void): Promise<void> {
  mkdirSync(out, { recursive: true });
  writeJson(join(out, 'study.json'), result);
  atomicWrite(join(out, 'study.md'), studyMarkdown(result) + '\n');
  const forest = { name: 'study-forest', spec: studyForestFigure(result), width: 1300, height: 220 + 40 * result.variants.length };
  writeJson(join(out, 'forest.json'), forest);
  await exportFigures([forest], out, { formats: chromiumPath() ? ['png', 'svg', 'html'] : ['html'] }).catch((e: Error) => log(`[study] forest plot not exported: ${e.message}`));
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Sampling headroom of start and end checkpoints on a fixed VQA subset, cached per checkpoint file. */
class HeadroomCache {
  readonly items: InstructionRecord[];
  private readonly done = new Map<string, HeadroomSummary>();

  constructor(
    private readonly plan: StudyPlan,
    private readonly data: DatasetFiles,
    n: number,
    readonly samples: number,
    private readonly config: Config,
  ) {
    this.items = withFormatPrompts(balancedSelection(data.benchmark.filter((r) => r.task === 'vqa'), n, config.seed), configuredTemplates(config));
  }

  private async of(modelDir: string, temperature: number): Promise<HeadroomSummary> {
    const key = `${realpathSync(join(modelDir, 'checkpoint.bin'))}@${temperature}`;
    const cached = this.done.get(key);
    if (cached) return cached;
    const file = join(this.plan.out, 'headroom', `${createHash('sha256').update(key + statSync(join(modelDir, 'checkpoint.bin')).mtimeMs).digest('hex').slice(0, 16)}.json`);
    let summary: HeadroomSummary;
    if (existsSync(file)) summary = readJson<HeadroomSummary>(file);
    else {
      const { model, tokenizer } = loadModel(modelDir);
      try {
        summary = (await samplingHeadroom(model, tokenizer, this.items, { imageRoot: this.data.dir, temperature, samples: this.samples, seed: 1, quiet: true, boxGrammar: this.config.model.boxGrammar })).summary.all;
      } finally {
        model.dispose();
      }
      writeJson(file, summary);
    }
    this.done.set(key, summary);
    return summary;
  }

  /** The start's headroom (the first run's stage 2) and the mean over the runs' stage-3 models. */
  async forRuns(runs: readonly StudyRun[], v: Variant): Promise<{ start: Record<string, number>; end: Record<string, number> }> {
    const t = variantConfig(this.plan, v, runs[0].seed).grpo.temperature;
    const start = await this.of(studyRunLayout(runs[0]).model('stage2'), t);
    const ends: HeadroomSummary[] = [];
    for (const r of runs) ends.push(await this.of(studyRunLayout(r).model('stage3'), t));
    const mean = (k: keyof HeadroomSummary) => ends.reduce((a, e) => a + e[k], 0) / ends.length;
    const pick = (h: (k: keyof HeadroomSummary) => number) => ({ greedy: h('greedy'), sampledMean: h('sampledMean'), majority: h('majority'), passAtG: h('passAtG') });
    return { start: pick((k) => start[k]), end: pick(mean) };
  }
}
