/**
 * The paper's published numbers (../shared/reference/deepmedix-r1-paper.json), typed, and the
 * shape our own results take so they can be tabulated and plotted beside them.
 */
import { readJson } from '../util/fsx.js';
import { sharedPath } from '../util/paths.js';

/** Table 1's eleven metric columns, in the paper's order ("Average" is their mean). */
export const TABLE1_METRICS = [
  'BLEU-1',
  'BLEU-2',
  'BLEU-3',
  'BLEU-4',
  'METEOR',
  'ROUGE-L',
  'F1-RadGraph',
  'Macro-14',
  'Micro-14',
  'Macro-5',
  'Micro-5',
] as const;
export type Table1Metric = (typeof TABLE1_METRICS)[number];

/** The four report-generation splits of XrayBench, with the paper's size weights. */
export const REPORT_SPLITS = [
  { id: 'mimic_findings', label: 'MIMIC-CXR findings', weight: 0.419 },
  { id: 'mimic_impression', label: 'MIMIC-CXR impression', weight: 0.424 },
  { id: 'openi_findings', label: 'Open-I findings', weight: 0.072 },
  { id: 'openi_impression', label: 'Open-I impression', weight: 0.085 },
] as const;

export const VQA_SPLITS = [
  { id: 'ext_vqa', label: 'MIMIC-Ext-VQA' },
  { id: 'cxr_vqa', label: 'Medical-CXR-VQA' },
] as const;

/**
 * The report splits present in the given tables, in display order: the paper's four (in Table 1's
 * order), then any others (e.g. the cohort's report-findings / report-impression) as they appear,
 * then `weighted_average` last.
 */
export function reportSplitsOf(...tables: (ReportTable | null | undefined)[]): string[] {
  const present: string[] = [];
  for (const t of tables) for (const k of Object.keys(t ?? {})) if (!present.includes(k)) present.push(k);
  const known = REPORT_SPLITS.map((s) => s.id as string).filter((id) => present.includes(id));
  const others = present.filter((id) => id !== 'weighted_average' && !known.includes(id));
  return [...known, ...others, ...(present.includes('weighted_average') ? ['weighted_average'] : [])];
}

/** A split's display name. */
export function splitLabel(id: string): string {
  if (id === 'weighted_average') return 'Weighted average';
  return REPORT_SPLITS.find((s) => s.id === id)?.label ?? id;
}

/** metric -> value for one model on one split. */
export type MetricRow = Record<string, number>;
/** split -> model -> metrics (Table 1's shape; `weighted_average` may be one of the splits). */
export type ReportTable = Record<string, Record<string, MetricRow>>;
/** split (ext_vqa | cxr_vqa) -> model -> average accuracy. */
export type VqaTable = Record<string, Record<string, number>>;

export interface PublishedResults {
  source: string;
  table1: ReportTable;
  /** model (or "Agreement") -> criterion -> value. */
  table2: Record<string, Record<string, number>>;
  vqa: VqaTable;
  arenaRankOrder: string[];
  trainingDataSizes: Record<string, number>;
}

interface RawReference {
  source: string;
  table1_report_generation: ReportTable;
  table2_expert_annotation: Record<string, Record<string, number>>;
  vqa_average_accuracy: Record<string, Record<string, number>>;
  arena_rank_order: string[];
  training_data_sizes: Record<string, number>;
}

/** Default location of the reference file, or null when ../shared is absent. */
export function publishedPath(): string | null {
  return sharedPath('reference', 'deepmedix-r1-paper.json');
}

/** Load the published numbers; the VQA keys lose their `_accuracy` suffix (ext_vqa, cxr_vqa). */
export function loadPublished(path: string | null = publishedPath()): PublishedResults {
  if (!path) throw new Error('published results: ../shared/reference/deepmedix-r1-paper.json is absent (set DEEPMEDIX_SHARED)');
  const raw = readJson<RawReference>(path);
  for (const key of ['table1_report_generation', 'table2_expert_annotation', 'vqa_average_accuracy'] as const) {
    if (!raw[key] || typeof raw[key] !== 'object') throw new Error(`${path}: missing field '${key}'`);
  }
  const vqa: VqaTable = {};
  for (const [k, v] of Object.entries(raw.vqa_average_accuracy)) vqa[k.replace(/_accuracy$/, '')] = v;
  return {
    source: raw.source,
    table1: raw.table1_report_generation,
    table2: raw.table2_expert_annotation,
    vqa,
    arenaRankOrder: raw.arena_rank_order ?? [],
    trainingDataSizes: raw.training_data_sizes ?? {},
  };
}

/** Table 1's "Average": the mean of the eleven metric columns present (NaN if none). */
export function table1Average(row: MetricRow): number {
  const vals = TABLE1_METRICS.map((m) => row[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
}

/**
 * The weighted-average split: per model and metric, the four report splits weighted by size
 * (weights renormalised over the splits the model has).
 */
export function weightedAverageRows(table: ReportTable, weights: Record<string, number> = Object.fromEntries(REPORT_SPLITS.map((s) => [s.id, s.weight]))): Record<string, MetricRow> {
  const out: Record<string, MetricRow> = {};
  const models = new Set<string>();
  for (const split of Object.keys(weights)) for (const m of Object.keys(table[split] ?? {})) models.add(m);
  for (const model of models) {
    const row: MetricRow = {};
    for (const metric of [...TABLE1_METRICS, 'Average']) {
      let num = 0;
      let den = 0;
      for (const [split, w] of Object.entries(weights)) {
        const v = table[split]?.[model]?.[metric];
        if (typeof v === 'number' && Number.isFinite(v)) {
          num += w * v;
          den += w;
        }
      }
      if (den > 0) row[metric] = num / den;
    }
    out[model] = row;
  }
  return out;
}
