/**
 * The tables of notebook 07's simulation study, from src/arena/simulate.ts: how many battles each
 * sampling rule needs to a 95% interval width, in theory (fixed allocations, large-T normal
 * approximation) and in simulation (the samplers run battle by battle), per scenario and width metric.
 */
import type { SimulatedJudgeNoise } from './simulate.js';
import { activeAllocation, expectedBattles, judgeMoments, optimalAllocation, samplingEfficiency, WIDTH_METRICS, type EfficiencyResult, type SamplerSpec } from './simulate.js';

export interface Scenario {
  name: string;
  strengths: number[];
  noise: SimulatedJudgeNoise;
}

/** Battles to the width (rounded to 10) under uniform, the best fixed and the active rules' allocations. */
export function theoryTable(scenarios: readonly Scenario[], width = 0.2): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const sc of scenarios) {
    const mo = judgeMoments(sc.strengths, sc.noise);
    const uniform = mo.theta.map(() => 1 / mo.theta.length);
    for (const metric of WIDTH_METRICS) {
      const T = (p: number[]) => Math.round(expectedBattles(mo, p, width, metric) / 10) * 10;
      const [u, best] = [T(uniform), T(optimalAllocation(mo, metric))];
      rows.push({ scenario: sc.name, metric, uniform: u, best, bestSaves: `${Math.round(100 * (1 - best / u))}%`, 'rule ipw ε=0.3': T(activeAllocation(mo, 'ipw', 0.3)), 'rule pair ε=0.3': T(activeAllocation(mo, 'pair', 0.3)) });
    }
  }
  return rows;
}

/** The samplers run on every scenario: the efficiency results, one per scenario. */
export function simulateEfficiency(scenarios: readonly Scenario[], samplers: SamplerSpec[], seeds: number[], width = 0.2, budget = 40000): EfficiencyResult[] {
  return scenarios.map((sc) => samplingEfficiency({ strengths: sc.strengths, noise: sc.noise, width, budget, seeds, samplers }));
}

/** Battles until each width stays at or below the target: median (range) over seeds, per scenario, metric and sampler. */
export function efficiencyTable(scenarios: readonly Scenario[], results: readonly EfficiencyResult[], budget = 40000): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  scenarios.forEach((sc, k) => {
    for (const metric of WIDTH_METRICS) {
      const row: Record<string, string> = { scenario: sc.name.split(' (')[0], metric };
      for (const r of results[k].rows.filter((q) => q.metric === metric)) {
        const got = r.battles.filter((b): b is number => b !== null);
        row[r.label] = r.median === null ? `> ${budget}` : `${r.median} (${Math.min(...got)}-${Math.max(...got)})`;
      }
      rows.push(row);
    }
  });
  return rows;
}
