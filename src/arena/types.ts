/**
 * Report Arena records: the judge interface, a battle as stored in the append-only log, and the
 * predictions of the models that fight.
 *
 * Orientation convention: a battle is between `modelA` and `modelB` (the pair as sampled, in the
 * order of the model list); `outcome` is the score of `modelA`: 1 A wins, 0 B wins, ½ tie.
 * A judge that sees both presentation orders may return a fractional outcome (¼, ¾) when its
 * two verdicts disagree by one step; the Bradley–Terry fit takes any outcome in [0, 1].
 */

/** One verdict of a pairwise comparison, in the orientation the candidates were given. */
export type Verdict = 'A' | 'B' | 'tie';

/** What a judge is asked: one study, its reference report and two candidate reports. */
export interface JudgeRequest {
  id: string;
  reference: string;
  /** Candidate A's report (model `modelA`). */
  a: string;
  /** Candidate B's report (model `modelB`). */
  b: string;
  /** 0 on the first try, 1, 2, … on the arena's retries (a judge may vary its prompt). */
  attempt?: number;
}

/** A judge's decision on one request. */
export interface Judgement {
  /** Score of candidate A in [0, 1]: 1 A better, 0 B better, ½ tie. */
  outcome: number;
  verdict: Verdict;
  /** Judge-specific detail kept in the log (per-order verdicts, level scores, raw text). */
  detail?: Record<string, unknown>;
}

/**
 * A pairwise judge. `judge` may throw (network, unparseable verdict); the arena retries and then
 * records the battle as skipped with the error.
 */
export interface Judge {
  /** Stable name stored with every battle (a resumed arena refuses a different judge). */
  readonly name: string;
  judge(req: JudgeRequest): Promise<Judgement>;
}

/** Error a judge throws when its output cannot be read as a verdict; carries the raw text. */
export class VerdictParseError extends Error {
  override name = 'VerdictParseError';
  constructor(
    message: string,
    readonly raw: string,
  ) {
    super(message);
  }
}

/** One line of the battle log. */
export interface BattleRecord {
  /** Battle index, 0-based, in sampling order. */
  t: number;
  modelA: string;
  modelB: string;
  /** Study id whose reports were compared. */
  id: string;
  /** Probability with which this pair was sampled (the inverse-probability weight is 1/p). */
  p: number;
  sampler: string;
  judge: string;
  status: 'ok' | 'skipped';
  /** Score of modelA in [0, 1]; absent when skipped. */
  outcome?: number;
  verdict?: Verdict;
  attempts: number;
  /** The last error, for skipped battles (and earlier errors of retried ones). */
  errors?: string[];
  detail?: Record<string, unknown>;
  /** Sampler RNG state after this battle was drawn (resume continues the same stream). */
  rng: number[];
}

/** A judged battle as the fit consumes it: model indices, outcome of `i` against `j`, weight. */
export interface Battle {
  i: number;
  j: number;
  /** Score of model i in [0, 1]. */
  outcome: number;
  /** Inverse-probability weight (1 for unweighted fits). */
  weight: number;
}

/** A model's predictions: study id -> report text. */
export interface ModelPredictions {
  name: string;
  reports: Map<string, string>;
  /** Parameter count, for the arena-vs-automated scatter (marker size). */
  params?: number;
}
