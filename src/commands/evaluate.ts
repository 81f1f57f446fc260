/** `deepmedix evaluate`: any model's predictions against a benchmark -> Table 1 / VQA metrics. */
import { join } from 'node:path';
import { atomicWrite, readJson, writeJson } from '../util/fsx.js';
import { loadPublished, publishedPath, type ReportTable, type VqaTable } from '../plots/published.js';
import { table1Doc, tableToCsv, tableToHtml, tableToMarkdown, vqaTableDoc } from '../plots/tables.js';
import { checkOutputDir, parseArgs, requireFlag, stringFlag, UsageError } from './args.js';
import { evaluatePairs, matchPredictions, readBenchmark, readPredictions, type EvaluationResult } from '../eval/harness.js';
import { readLabelCsv } from '../labels/label-files.js';
import { graphFromRadgraphJson, type Graph } from '../metrics/radgraph.js';
import type { Labels } from '../data/types.js';
import type { Command } from './types.js';

function labelsById(path: string, ids: string[]): Labels[] {
  const t = readLabelCsv(path);
  if (!t.ids) {
    if (t.labels.length !== ids.length) throw new UsageError(`${path}: ${t.labels.length} label rows without an id column, but ${ids.length} reports (rows must then follow the report order)`);
    return t.labels;
  }
  const m = new Map(t.ids.map((id, k) => [id, t.labels[k]]));
  const missing = ids.filter((id) => !m.has(id));
  if (missing.length) throw new UsageError(`${path}: no labels for ids ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`);
  return ids.map((id) => m.get(id)!);
}

function graphsById(path: string, ids: string[]): Graph[] {
  const raw = readJson<Record<string, { entities: Record<string, { tokens: string; label: string; relations: [string, string][] }> }>>(path);
  return ids.map((id) => {
    if (!raw[id]) throw new UsageError(`${path}: no RadGraph entry for id ${id}`);
    return graphFromRadgraphJson(raw[id], `${path}#${id}`);
  });
}

function printTables(r: EvaluationResult, model: string): void {
  const cols = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L', 'F1-RadGraph', 'Macro-14', 'Micro-14', 'Macro-5', 'Micro-5', 'Average'];
  const rows = Object.entries(r.report).map(([split, m]) => [split, ...cols.map((c) => m[c].toFixed(4)), String(m.n)]);
  if (r.weightedAverage) rows.push(['weighted_average', ...cols.map((c) => r.weightedAverage![c].toFixed(4)), String(r.weightedAverage.n)]);
  if (rows.length) {
    console.log(`Table 1 (${model}; F1-RadGraph and the CheXpert F1 columns come from this workbench's approximations unless label files were given)`);
    console.log(['split', ...cols, 'n'].join('\t'));
    for (const row of rows) console.log(row.join('\t'));
  }
  for (const [split, v] of Object.entries(r.vqa)) {
    console.log(`VQA ${split}: accuracy ${v.overall.toFixed(4)} over ${v.n} items (mean over types ${v.meanOverTypes.toFixed(4)})`);
    for (const [t, a] of Object.entries(v.byType)) console.log(`  ${t.padEnd(14)} ${a.accuracy.toFixed(4)}  n=${a.n}`);
  }
  const c = r.counts;
  console.log(`counts: benchmark ${c.benchmark}, predictions ${c.predictions}, scored ${c.matched - c.notScored}, missing ${c.missing}, not scored (grounding/other) ${c.notScored}`);
}

/** Table 1 and the VQA table as Markdown / CSV / HTML, our row beside the paper's published rows. */
function writeEvaluationTables(r: EvaluationResult, model: string, out: string): string[] {
  const ours: ReportTable = {};
  for (const [split, row] of Object.entries(r.report)) ours[split] = { [model]: row };
  if (r.weightedAverage) ours.weighted_average = { [model]: r.weightedAverage };
  const vqa: VqaTable = {};
  for (const [split, v] of Object.entries(r.vqa)) vqa[split] = { [model]: v.overall };
  const published = publishedPath() ? loadPublished() : null;
  const files: string[] = [];
  const write = (name: string, text: string): void => {
    atomicWrite(join(out, name), text);
    files.push(join(out, name));
  };
  if (Object.keys(ours).length) {
    const doc = table1Doc(ours, published?.table1 ?? null, [...new Set([...Object.keys(r.report), 'mimic_findings', 'mimic_impression', 'openi_findings', 'openi_impression', 'weighted_average'])]);
    write('table1.md', tableToMarkdown(doc));
    write('table1.csv', tableToCsv(doc));
    write('table1.html', tableToHtml(doc));
  }
  if (Object.keys(vqa).length) {
    const doc = vqaTableDoc(vqa, published?.vqa ?? null);
    write('vqa.md', tableToMarkdown(doc));
    write('vqa.csv', tableToCsv(doc));
    const byType = ['| split | question type | accuracy | n |', '|---|---|---:|---:|'];
    for (const [split, v] of Object.entries(r.vqa)) for (const [t, a] of Object.entries(v.byType)) byType.push(`| ${split} | ${t} | ${a.accuracy.toFixed(4)} | ${a.n} |`);
    write('vqa-by-type.md', byType.join('\n') + '\n');
  }
  return files;
}

export const command: Command = {
  name: 'evaluate',
  summary: "score any model's predictions: Table 1 report metrics per split and VQA accuracy per question type",
  usage: `Usage: deepmedix evaluate --references REF.jsonl --predictions PRED.jsonl [flags]

REF.jsonl: {"id", "text"} report references, or benchmark InstructionRecords (id, task, split,
questionType, answer, answerKind). PRED.jsonl: {"id", "text"} or {"id", "prediction"} (optionally
"model"); a prediction holding \\boxed{...} is scored on its last boxed answer.
  --json                 print one JSON object (report-only references: the 11 Table 1 columns,
                         Average and n; a benchmark: {report, weightedAverage, vqa, counts})
  --model NAME           the row's name in the tables (default: the predictions' "model" or "model")
  --out DIR              also write table1.{md,csv,html}, vqa.{md,csv}, results.json there, with the
                         paper's published rows alongside
  --allow-missing        score the predicted items and report how many were missing (default: error)
  --no-normalize         skip the R2Gen-style text normalization before BLEU/METEOR/ROUGE-L
  --extract auto|boxed|raw   how to take the answer from a prediction (default auto)
  --hyp-labels CSV --ref-labels CSV       real CheXbert label files (id column, 14 observations)
  --hyp-radgraph JSON --ref-radgraph JSON real RadGraph output keyed by id`,
  flags: { values: ['out', 'references', 'predictions', 'model', 'extract', 'hyp-labels', 'ref-labels', 'hyp-radgraph', 'ref-radgraph'], booleans: ['json', 'allow-missing', 'no-normalize'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const refPath = requireFlag(args, 'references');
    const outDir = stringFlag(args, 'out');
    if (outDir) checkOutputDir(outDir, '--out', ['results.json']);
    const predPath = requireFlag(args, 'predictions');
    const extract = (stringFlag(args, 'extract', 'auto') as 'auto' | 'boxed' | 'raw');
    if (!['auto', 'boxed', 'raw'].includes(extract)) throw new UsageError(`--extract must be auto, boxed or raw (got '${extract}')`);
    const items = readBenchmark(refPath);
    const preds = readPredictions(predPath);
    const matched = matchPredictions(items, preds, { allowMissing: Boolean(args.flags['allow-missing']), predictionsPath: predPath });
    const model = stringFlag(args, 'model') ?? preds.find((p) => p.model)?.model ?? 'model';
    const reportIds = matched.pairs.filter((p) => p.item.task === 'report').map((p) => p.item.id);
    const opt = (name: string): string | undefined => stringFlag(args, name);
    const multiSplit = new Set(matched.pairs.filter((p) => p.item.task === 'report').map((p) => p.item.split)).size > 1;
    if ((opt('hyp-labels') || opt('ref-labels') || opt('hyp-radgraph') || opt('ref-radgraph')) && multiSplit) {
      throw new UsageError('label / RadGraph files are supported for a single report split; split the benchmark first');
    }
    const result = evaluatePairs(matched, {
      normalize: !args.flags['no-normalize'],
      extract,
      hypLabels: opt('hyp-labels') ? labelsById(opt('hyp-labels')!, reportIds) : undefined,
      refLabels: opt('ref-labels') ? labelsById(opt('ref-labels')!, reportIds) : undefined,
      hypGraphs: opt('hyp-radgraph') ? graphsById(opt('hyp-radgraph')!, reportIds) : undefined,
      refGraphs: opt('ref-radgraph') ? graphsById(opt('ref-radgraph')!, reportIds) : undefined,
    });
    const reportOnly = Object.keys(result.vqa).length === 0 && Object.keys(result.report).length === 1;
    if (args.flags.json) {
      console.log(JSON.stringify(reportOnly ? Object.values(result.report)[0] : result));
    } else printTables(result, model);
    const out = stringFlag(args, 'out');
    if (out) {
      const files = writeEvaluationTables(result, model, out);
      writeJson(join(out, 'results.json'), { model, references: refPath, predictions: predPath, ...result });
      if (!args.flags.json) console.log(`wrote ${[...files, join(out, 'results.json')].join(', ')}`);
    }
    return 0;
  },
};
