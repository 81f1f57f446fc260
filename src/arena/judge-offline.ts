/**
 * Offline judge: a rule that decides a battle from clinical facts, for the embedded default where
 * no LLM is at hand. It is a PROXY for a radiologist's (or an LLM's) preference, not a substitute:
 * it can only see what the metrics it is built from can see.
 *
 * The judge compares the two candidates level by level, most clinical first; at each level both
 * candidates are scored against the reference, and a difference larger than the level's margin
 * decides the battle. When every level is within its margin the battle is a tie. The default levels
 * (see `clinicalFactLevels`) are: agreement of the CheXpert-style labels with the reference's labels
 * (on the observations either report mentions), then RadGraph-style entity/relation F1, then a
 * text-overlap metric.
 */
import type { Judge, JudgeRequest, Judgement } from './types.js';

/** One level of the comparison: a score of a candidate against the reference (higher is better). */
export interface FactLevel {
  name: string;
  /** Differences of at most this much count as equal at this level. */
  margin: number;
  score(candidate: string, reference: string): number;
}

export interface OfflineJudgeOptions {
  name?: string;
  /** Memoize level scores per (reference, candidate) text (default true). */
  memo?: boolean;
}

export function offlineFactJudge(levels: readonly FactLevel[], opts: OfflineJudgeOptions = {}): Judge {
  if (levels.length === 0) throw new Error('offline judge: needs at least one fact level');
  const memo = opts.memo === false ? null : new Map<string, number>();
  const score = (level: FactLevel, k: number, candidate: string, reference: string): number => {
    const key = memo ? `${k}\u0000${reference}\u0000${candidate}` : '';
    const hit = memo?.get(key);
    if (hit !== undefined) return hit;
    const v = level.score(candidate, reference);
    if (!Number.isFinite(v)) throw new Error(`offline judge: level '${level.name}' gave a non-finite score (${v})`);
    memo?.set(key, v);
    return v;
  };
  return {
    name: opts.name ?? `offline:${levels.map((l) => l.name).join('>')}`,
    async judge(req: JudgeRequest): Promise<Judgement> {
      const scores: Record<string, [number, number]> = {};
      for (let k = 0; k < levels.length; k++) {
        const level = levels[k];
        const sa = score(level, k, req.a, req.reference);
        const sb = score(level, k, req.b, req.reference);
        scores[level.name] = [sa, sb];
        if (Math.abs(sa - sb) > level.margin) {
          const outcome = sa > sb ? 1 : 0;
          return { outcome, verdict: outcome ? 'A' : 'B', detail: { decidedBy: level.name, scores } };
        }
      }
      return { outcome: 0.5, verdict: 'tie', detail: { decidedBy: null, scores } };
    },
  };
}

/** Labels as a labeler returns them: observation -> 1 positive, 0 negative, -1 uncertain; absent = not mentioned. */
export type LabelsLike = Record<string, number | null | undefined> | Map<string, number | null | undefined>;

/**
 * Per-report labeler agreement between a candidate and the reference.
 * - 'mentioned' (default): over the observations EITHER report mentions, the fraction whose label
 *   (positive, negative, uncertain, or unmentioned) is the same in both; 1 when neither mentions
 *   any. Silence is not agreement: an empty report, which a labeler reads as "No Finding", scores
 *   low against a reference that states pertinent negatives, and a finding left out counts against.
 * - 'binary': over all the given observations, the fraction on which both agree after the
 *   F1-CheXbert convention (positive or uncertain = 1, negative or unmentioned = 0). This rewards
 *   saying nothing whenever the reference is normal, so it is not the default.
 */
export function labelAgreement(candidate: LabelsLike, reference: LabelsLike, observations: readonly string[], mode: 'mentioned' | 'binary' = 'mentioned'): number {
  if (observations.length === 0) throw new Error('labelAgreement: no observations');
  const get = (l: LabelsLike, o: string) => {
    const v = l instanceof Map ? l.get(o) : l[o];
    return v === undefined || v === null ? null : v;
  };
  if (mode === 'binary') {
    const bin = (v: number | null) => (v === 1 || v === -1 ? 1 : 0);
    let same = 0;
    for (const o of observations) if (bin(get(candidate, o)) === bin(get(reference, o))) same++;
    return same / observations.length;
  }
  let mentioned = 0;
  let same = 0;
  for (const o of observations) {
    const c = get(candidate, o);
    const r = get(reference, o);
    if (c === null && r === null) continue;
    mentioned++;
    if (c === r) same++;
  }
  return mentioned === 0 ? 1 : same / mentioned;
}

/** The metrics the default levels are built from, injected so any implementation can be used. */
export interface ClinicalFactDeps {
  /** A CheXpert-style labeler, and the observations to compare over (the 14 CheXpert ones). */
  labeler?: { label(text: string): LabelsLike; observations: readonly string[]; mode?: 'mentioned' | 'binary' };
  /** RadGraph-style F1 of one candidate against one reference, in [0, 1]. */
  radgraphF1?: (candidate: string, reference: string) => number;
  /** A text-overlap metric of one candidate against one reference (e.g. ROUGE-L). */
  text?: { name: string; score: (candidate: string, reference: string) => number };
}

export interface ClinicalFactMargins {
  labels?: number;
  radgraph?: number;
  text?: number;
}

/**
 * The default levels: labeler agreement (margin 0: any observation more in agreement decides), then
 * RadGraph-style F1 (margin 0.02), then the text metric (margin 0.02). Levels whose metric is not
 * supplied are left out; at least one must be present.
 */
export function clinicalFactLevels(deps: ClinicalFactDeps, margins: ClinicalFactMargins = {}): FactLevel[] {
  const levels: FactLevel[] = [];
  if (deps.labeler) {
    const { label, observations, mode } = deps.labeler;
    const cache = new Map<string, LabelsLike>();
    const labelsOf = (t: string) => {
      let l = cache.get(t);
      if (!l) cache.set(t, (l = label(t)));
      return l;
    };
    levels.push({ name: 'labels', margin: margins.labels ?? 0, score: (c, r) => labelAgreement(labelsOf(c), labelsOf(r), observations, mode) });
  }
  if (deps.radgraphF1) levels.push({ name: 'radgraph', margin: margins.radgraph ?? 0.02, score: deps.radgraphF1 });
  if (deps.text) levels.push({ name: deps.text.name, margin: margins.text ?? 0.02, score: deps.text.score });
  if (levels.length === 0) throw new Error('clinicalFactLevels: supply at least one of labeler, radgraphF1, text');
  return levels;
}
