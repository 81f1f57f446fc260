/** `deepmedix arena`: the Report Arena over any models' predictions (or the IU baselines). */
import { join } from 'node:path';
import { resolveConfig, writeResolvedConfig } from '../config.js';
import { iuBaselines, iuReferences, loadIuStudies } from '../arena/baselines.js';
import { clinicalOfflineJudge } from '../arena/clinical.js';
import { llmJudge } from '../arena/judge-llm.js';
import { readModelPredictions, readReportJsonl } from '../arena/predictions.js';
import { arenaReport, exportArenaFigures } from '../arena/workbench.js';
import type { Judge, ModelPredictions } from '../arena/types.js';
import { writeJson } from '../util/fsx.js';
import { checkOutputDir, parseArgs, stringFlag, UsageError } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';

export const command: Command = {
  name: 'arena',
  summary: 'Report Arena: pairwise judged battles, active sampling, Bradley-Terry ranking',
  usage: `Usage: deepmedix arena --references REF.jsonl NAME=PRED.jsonl NAME=PRED.jsonl … [flags]
       deepmedix arena --iu-baselines [flags]

Judges pairs of models' reports against the reference reports, samples pairs actively (or
uniformly), fits inverse-probability-weighted Bradley-Terry scores with bootstrap intervals, and
writes battles.jsonl (append-only; rerun with the same --out to resume), ranking.json (scores on
the log-odds, normalized [0, 1] and Elo-like scales, the automated metrics' Average per model,
battle-count and win-rate matrices, coverage and skipped-battle reports) and the figures (Fig. 2h-j
and the ranking: plotly JSON specs, interactive HTML, PNG through headless Chromium) to --out.

  --references FILE    reference reports, JSONL {"id", "text"}
  NAME=FILE            one model's predictions, JSONL {"id", "text"} (a \\boxed{} answer is extracted)
  --iu-baselines       instead: the IU test reports and four baselines (constant normal, random,
                       indication NN, MeSH-oracle NN)
  --params NAME=N,…    parameter counts (marker size in the arena-vs-automated figure)
  --no-automated       skip the automated report metrics (11 Table 1 columns) per model
  --no-png             figures as plotly JSON and HTML only (no headless Chromium)
  --json               print ranking.json to stdout
  --arena.judge offline|llm   offline: labeler > RadGraph-style F1 > ROUGE-L (a proxy); llm: the
                       OpenAI-compatible endpoint of --synthesis.baseUrl / --synthesis.model
  --arena.sampler active|uniform  --arena.battles N  --arena.bootstrap N  --arena.uniformMix E  --arena.variance ipw|pair
  --arena.maxRetries N  --arena.concurrency N

${COMMON_FLAGS}`,
  flags: { values: ['out', 'references', 'params'], booleans: ['iu-baselines', 'json', 'no-automated', 'no-png'], positionals: true },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const config = resolveConfig(stringFlag(args, 'profile', 'default'), args.overrides);
    const out = stringFlag(args, 'out') ?? join(config.paths.data, 'arena', config.profile);
    checkOutputDir(out, '--out', ['ranking.json']);
    const pairsFlag = (name: string): Record<string, number> => {
      const v = stringFlag(args, name);
      if (!v) return {};
      return Object.fromEntries(
        v.split(',').map((kv) => {
          const [k, x] = kv.split('=');
          if (!k || x === undefined || !Number.isFinite(Number(x))) throw new UsageError(`--${name} expects NAME=NUMBER,…; got '${kv}'`);
          return [k, Number(x)];
        }),
      );
    };
    const params = pairsFlag('params');
    let models: ModelPredictions[];
    let references: Map<string, string>;
    if (args.flags['iu-baselines']) {
      const studies = loadIuStudies();
      const test = studies.filter((s) => s.split === 'test');
      references = iuReferences(test);
      models = iuBaselines(studies.filter((s) => s.split === 'train'), test, config.seed);
    } else {
      const refPath = stringFlag(args, 'references');
      if (!refPath) throw new UsageError('give --references REF.jsonl and NAME=PRED.jsonl for each model, or --iu-baselines');
      references = readReportJsonl(refPath, { extractBoxed: false });
      models = args.positionals.map((p) => {
        const eq = p.indexOf('=');
        if (eq <= 0) throw new UsageError(`model argument '${p}' is not NAME=PRED.jsonl`);
        const name = p.slice(0, eq);
        return readModelPredictions(name, p.slice(eq + 1), params[name], references);
      });
      if (models.length < 2) throw new UsageError(`the arena needs at least 2 models, got ${models.length}`);
    }
    let judge: Judge;
    if (config.arena.judge === 'llm') {
      const { ChatClient } = await import('../llm/client.js');
      const client = new ChatClient({ baseUrl: config.synthesis.baseUrl, model: config.synthesis.model, timeoutMs: config.synthesis.timeoutMs, maxRetries: config.synthesis.maxRetries, concurrency: config.synthesis.concurrency, cachePath: join(out, 'judge-cache.jsonl') });
      judge = llmJudge(client, { name: `llm:${config.synthesis.model}` });
    } else judge = clinicalOfflineJudge();
    writeResolvedConfig(config, out);
    for (const [name, n] of Object.entries(params)) {
      const m = models.find((x) => x.name === name);
      if (!m) throw new UsageError(`--params names '${name}', which is not a model here (${models.map((x) => x.name).join(', ')})`);
      m.params = n;
    }
    const rep = await arenaReport({
      models,
      references,
      judge,
      sampler: config.arena.sampler,
      battles: config.arena.battles,
      seed: config.seed,
      uniformMix: config.arena.uniformMix,
      variance: config.arena.variance,
      maxRetries: config.arena.maxRetries,
      concurrency: config.arena.concurrency,
      retryDelayMs: config.arena.judge === 'llm' ? 1000 : 0,
      logPath: join(out, 'battles.jsonl'),
      bootstrap: config.arena.bootstrap,
      automated: !args.flags['no-automated'],
    });
    const { run, ranking: rk } = rep;
    const result = {
      judge: run.judge,
      sampler: config.arena.sampler,
      battles: run.records.length,
      judged: rk.battles,
      skipped: run.skipped,
      resumed: run.resumed,
      coverage: run.coverage,
      excludedPairs: run.excludedPairs,
      identicalPairs: run.identicalPairs,
      ranking: rk.order.map((k) => ({
        model: run.models[k],
        rank: rk.rank[k],
        normalized: rk.normalized.score[k],
        normalizedCI: [rk.normalized.lower[k], rk.normalized.upper[k]],
        elo: rk.elo.score[k],
        eloCI: [rk.elo.lower[k], rk.elo.upper[k]],
        logOdds: rk.logOdds.score[k],
        automatedAverage: rep.automated[run.models[k]] ?? null,
      })),
      fit: { converged: rk.fit.converged, separated: rk.fit.separated, iterations: rk.fit.iterations, unrated: rk.fit.unrated.map((k) => run.models[k]) },
      models: run.models,
      battleCounts: rep.counts,
      winRates: rep.rates,
    };
    writeJson(join(out, 'ranking.json'), result);
    const exported = await exportArenaFigures(rep.figures, out, { png: !args.flags['no-png'] });
    if (args.flags.json) console.log(JSON.stringify(result));
    else {
      console.log(`Report Arena: ${rk.battles} judged battles (${run.skipped} skipped, ${run.resumed} resumed), judge ${run.judge}, sampler ${config.arena.sampler}`);
      for (const r of result.ranking) console.log(`  ${String(r.rank).padStart(2)}. ${r.model.padEnd(24)} ${r.normalized.toFixed(3)} [${r.normalizedCI[0].toFixed(3)}, ${r.normalizedCI[1].toFixed(3)}]  Elo ${r.elo.toFixed(0)}${r.automatedAverage === null ? '' : `  automated avg ${r.automatedAverage.toFixed(4)}`}`);
      for (const c of run.coverage) if (c.missing) console.log(`  note: ${c.model} has no report for ${c.missing} reference studies (e.g. ${c.missingIds.slice(0, 3).join(', ')})`);
      for (const e of run.excludedPairs) console.log(`  note: ${e.models.join(' vs ')} left out: ${e.reason}`);
      if (rk.fit.unrated.length) console.log(`  note: no judged battle for ${rk.fit.unrated.map((k) => run.models[k]).join(', ')}: their scores are undefined (shown at the ridge's 0)`);
      if (rk.fit.separated) console.log('  note: the battles are separated (some model never lost or never won against the rest): scores fitted with a small ridge, treat their size with care');
      for (const p of run.identicalPairs) console.log(`  note: ${p.join(' and ')} gave identical reports on every shared study (their battles are ties)`);
      if (exported.error) console.log(`  note: figures written as plotly JSON only (${exported.error})`);
      console.log(`Outputs in ${out}`);
    }
    return 0;
  },
};
