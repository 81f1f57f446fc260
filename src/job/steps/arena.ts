/**
 * Job step: the Report Arena over the three stages' reports and the constant baseline on the
 * benchmark's report items (pairwise judged battles, Bradley–Terry ranking, Fig. 2h–j specs).
 */
import { join } from 'node:path';
import { clinicalOfflineJudge } from '../../arena/clinical.js';
import { llmJudge } from '../../arena/judge-llm.js';
import { readModelPredictions } from '../../arena/predictions.js';
import type { Judge, ModelPredictions } from '../../arena/types.js';
import { arenaReport, exportArenaFigures } from '../../arena/workbench.js';
import { countParams } from '../../model/spec.js';
import { readCheckpoint } from '../../model/checkpoint.js';
import type { JobStep } from '../pipeline.js';
import { writeJson } from '../../util/fsx.js';
import { TRAINED_STAGES } from '../../run-layout.js';
import { loadJobData, MODEL_NAMES, type JobContext } from '../context.js';
import { scoredModels } from './evaluate.js';

export interface ArenaSummary {
  battles: number;
  judged: number;
  judge: string;
  ranking: { model: string; rank: number; normalized: number; elo: number; automatedAverage: number | null }[];
}

function judgeFor(ctx: JobContext, dir: string): Promise<Judge> | Judge {
  const c = ctx.config;
  if (c.arena.judge !== 'llm') return clinicalOfflineJudge();
  return import('../../llm/client.js').then(({ ChatClient }) => {
    const s = c.synthesis;
    const client = new ChatClient({ baseUrl: s.baseUrl, model: s.model, timeoutMs: s.timeoutMs, maxRetries: s.maxRetries, concurrency: s.concurrency, cachePath: join(dir, 'judge-cache.jsonl') });
    return llmJudge(client, { name: `llm:${s.model}` });
  });
}

export function arenaStep(ctx: JobContext): JobStep<ArenaSummary> {
  const c = ctx.config;
  return {
    id: 'arena',
    what: 'Report Arena: pairwise judging, Bradley-Terry ranking',
    key: { seed: c.seed, arena: c.arena, judgeModel: c.arena.judge === 'llm' ? [c.synthesis.baseUrl, c.synthesis.model] : null },
    code: ['src/job/steps/arena.ts'],
    after: ['cohort', 'evaluate'],
    async run(dir, { resume }) {
      const data = loadJobData(ctx);
      const reportItems = data.benchmark.filter((r) => r.task === 'report-findings' || r.task === 'report-impression');
      const references = new Map(reportItems.map((r) => [r.id, r.answer]));
      const files = scoredModels(ctx);
      const models: ModelPredictions[] = Object.entries(files).map(([name, path]) => {
        const m = readModelPredictions(name, path);
        // Only the report items take part; VQA and grounding answers are not reports.
        return { ...m, reports: new Map([...m.reports].filter(([id]) => references.has(id))) };
      });
      for (const stage of TRAINED_STAGES) {
        const m = models.find((x) => x.name === MODEL_NAMES[stage]);
        if (m) m.params = countParams(readCheckpoint(ctx.layout.model(stage)).header.spec);
      }
      const rep = await arenaReport({
        models,
        references,
        judge: await judgeFor(ctx, dir),
        sampler: c.arena.sampler,
        battles: c.arena.battles,
        seed: c.seed,
        uniformMix: c.arena.uniformMix,
        variance: c.arena.variance,
        maxRetries: c.arena.maxRetries,
        concurrency: c.arena.concurrency,
        retryDelayMs: c.arena.judge === 'llm' ? 1000 : 0,
        logPath: join(dir, 'battles.jsonl'),
        bootstrap: c.arena.bootstrap,
        progress: !ctx.quiet,
      });
      const rk = rep.ranking;
      const ranking = rk.order.map((k) => ({
        model: rep.run.models[k],
        rank: rk.rank[k],
        normalized: rk.normalized.score[k],
        normalizedCI: [rk.normalized.lower[k], rk.normalized.upper[k]],
        elo: rk.elo.score[k],
        automatedAverage: rep.automated[rep.run.models[k]] ?? null,
      }));
      writeJson(join(dir, 'ranking.json'), { judge: rep.run.judge, battles: rep.run.records.length, judged: rk.battles, skipped: rep.run.skipped, resumed: rep.run.resumed, ranking, battleCounts: rep.counts, winRates: rep.rates, models: rep.run.models });
      // Plotly specs only here (the figures stage exports every figure together).
      await exportArenaFigures(rep.figures, join(dir, 'figures'), { png: false, html: false });
      ctx.log(`  ${rk.battles} judged battles${resume ? ` (${rep.run.resumed} resumed)` : ''}, judge ${rep.run.judge}`);
      for (const r of ranking) ctx.log(`  ${String(r.rank).padStart(2)}. ${r.model.padEnd(42)} ${r.normalized.toFixed(3)}  Elo ${r.elo.toFixed(0)}`);
      return { battles: rep.run.records.length, judged: rk.battles, judge: rep.run.judge, ranking: ranking.map(({ normalizedCI: _, ...r }) => r) };
    },
  };
}
