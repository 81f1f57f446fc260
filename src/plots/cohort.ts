/**
 * Figures of a curated cohort (notebook 01): the Fig. 1b-style task shares of the training,
 * validation and benchmark sets, the VQA question types of the training set, the CheXpert labels
 * the reports state, and report lengths against real Open-I reports.
 */
import { composition, labelDistribution, reportLengths } from '../data/curation.js';
import type { InstructionRecord, Study } from '../data/types.js';
import { groupedBars } from './charts.js';
import { dataDistributionFigure } from './fig1.js';
import { axis, baseLayout, seriesColor, type NamedFigure } from './spec.js';

const taskOf = (r: InstructionRecord) => (r.task === 'vqa' ? `vqa (${r.vqaSet})` : r.task);
const byTask = (recs: readonly InstructionRecord[]) => composition(recs.map((r) => ({ ...r, task: taskOf(r) as InstructionRecord['task'] })), 'task');

/** Task shares per set, VQA question types, CheXpert labels of the reports. */
export function cohortFigures(d: { train: readonly InstructionRecord[]; val: readonly InstructionRecord[]; benchmark: readonly InstructionRecord[]; studies: readonly Study[] }): NamedFigure[] {
  const fig1b = dataDistributionFigure(
    [
      { name: 'Stage 1 instructions (train)', counts: byTask(d.train) },
      { name: 'Validation', counts: byTask(d.val) },
      { name: 'XrayBench-shaped test', counts: byTask(d.benchmark) },
    ],
    'Fig. 1b (ours): data distribution by set',
  );
  const qtypes = Object.fromEntries((['ext-vqa', 'cxr-vqa'] as const).map((set) => [set, composition(d.train.filter((r) => r.vqaSet === set), 'questionType')]));
  const labels = labelDistribution(d.studies);
  const byLabel = Object.fromEntries((['positive', 'uncertain', 'negative'] as const).map((k) => [k, Object.fromEntries(labels.map((l) => [l.observation, l[k]]))]));
  return [
    { name: 'fig1b-data-distribution-ours', spec: fig1b, width: 1000, height: 420 },
    { name: 'data-vqa-question-types', spec: groupedBars(qtypes, { title: 'VQA question types in the training set', valueTitle: 'items', labels: true, digits: 0 }), width: 1000, height: 460 },
    { name: 'data-chexpert-labels', spec: groupedBars(byLabel, { title: 'CheXpert labels of the cohort reports', valueTitle: 'studies', horizontal: true }), width: 1000, height: 620 },
  ];
}

/** FINDINGS and IMPRESSION word counts of the cohort against real reports (histograms, % of reports). */
export function reportLengthFigures(ours: readonly Study[], real: readonly { findings: string; impression: string }[], realName = 'Open-I (real)'): NamedFigure[] {
  const [a, b] = [reportLengths(ours), reportLengths(real)];
  const hist = (title: string, series: Record<string, number[]>) => ({
    data: Object.entries(series)
      .filter(([, v]) => v.length)
      .map(([name, v], i) => ({ type: 'histogram', name, x: v, opacity: 0.6, histnorm: 'percent', xbins: { size: 2 }, marker: { color: seriesColor(i) } })),
    layout: baseLayout(title, { barmode: 'overlay', xaxis: axis('words'), yaxis: axis('% of reports') }),
  });
  return [
    { name: 'data-length-findings', spec: hist('FINDINGS length', { synthetic: a.findings, [realName]: b.findings }), width: 900, height: 420 },
    { name: 'data-length-impression', spec: hist('IMPRESSION length', { synthetic: a.impression, [realName]: b.impression }), width: 900, height: 420 },
  ];
}
