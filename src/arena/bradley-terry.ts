/**
 * Weighted Bradley–Terry fit, as the Report Arena (after Chatbot Arena) defines it:
 *
 *   ξ̂ = argmin_ξ Σ_t w_t · BCE(H_t, σ(ξ_{i_t} − ξ_{j_t})),   w_t = 1 / P(A_t)
 *
 * with H_t ∈ [0, 1] the score of model i_t (ties ½) and one score pinned to 0 for identifiability.
 * The loss depends on the battles only through, per ordered pair, the weighted score W_ij = Σ w·H
 * and the weighted count N_ij = Σ w, so battles are aggregated first and the fit is a damped
 * Newton solve on the (m − 1) free scores, run until the largest gradient component falls below
 * `tol` times the total weight.
 *
 * The maximum-likelihood scores exist only when the "scored against" graph (an edge i → j when i
 * took any score from j) is strongly connected; otherwise some score runs off to ±∞. Such data is
 * reported (`separated`) and fitted with a small ridge penalty instead (`fallbackL2`), never
 * silently.
 */

/** Per ordered pair sums: `wins[i*m+j]` = Σ w·H_i over battles of i against j; `count` symmetric. */
export interface PairStats {
  m: number;
  wins: Float64Array;
  count: Float64Array;
  totalWeight: number;
}

export interface BattleLike {
  i: number;
  j: number;
  outcome: number;
  weight: number;
}

export interface BradleyTerryOptions {
  /** Index of the model whose score is pinned to 0 (default 0). */
  pin?: number;
  /** Stop when max |gradient| ≤ tol · total weight (default 1e-10). */
  tol?: number;
  maxIter?: number;
  /** Ridge penalty ½·l2·Σξ² added to the loss (default 0: the plain MLE). */
  l2?: number;
  /** Ridge applied when the data is separated and l2 is 0 (default 1e-4 · total weight / m). */
  fallbackL2?: number;
  /** Starting scores (e.g. the point estimate, for bootstrap rounds). */
  init?: ArrayLike<number>;
}

export interface BradleyTerryFit {
  /** Scores ξ (natural-log odds units), pinned model at 0. */
  scores: number[];
  loss: number;
  iterations: number;
  converged: boolean;
  /** Largest |gradient| at the solution, divided by the total weight. */
  gradMax: number;
  /** True when the MLE does not exist for this data (a ridge was used). */
  separated: boolean;
  /** The ridge actually used. */
  l2: number;
  /** Models with no battle at all (their score is the ridge's 0, or undefined without one). */
  unrated: number[];
}

/** Sum battles into per-pair weighted scores and counts. */
export function aggregateBattles(battles: readonly BattleLike[], m: number): PairStats {
  const wins = new Float64Array(m * m);
  const count = new Float64Array(m * m);
  let totalWeight = 0;
  for (const b of battles) addBattle(wins, count, m, b.i, b.j, b.outcome, b.weight);
  for (const b of battles) totalWeight += b.weight;
  return { m, wins, count, totalWeight };
}

/** Add one battle into pair sums (exported for the bootstrap's fast path). */
export function addBattle(wins: Float64Array, count: Float64Array, m: number, i: number, j: number, outcome: number, weight: number): void {
  if (i === j) throw new Error(`Bradley–Terry: a battle of model ${i} against itself`);
  if (!(outcome >= 0 && outcome <= 1)) throw new Error(`Bradley–Terry: outcome ${outcome} is outside [0, 1]`);
  if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`Bradley–Terry: weight ${weight} is not a positive finite number`);
  wins[i * m + j] += weight * outcome;
  wins[j * m + i] += weight * (1 - outcome);
  count[i * m + j] += weight;
  count[j * m + i] += weight;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** log σ(x), stable for large |x|. */
const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

/** The weighted BCE loss (plus ridge) at scores ξ. */
export function bradleyTerryLoss(stats: PairStats, xi: ArrayLike<number>, l2 = 0): number {
  const { m, wins } = stats;
  let loss = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const w = wins[i * m + j];
      if (i !== j && w > 0) loss -= w * logSigmoid(xi[i] - xi[j]);
    }
    loss += 0.5 * l2 * xi[i] * xi[i];
  }
  return loss;
}

/** True when the directed "i took some score from j" graph among rated models is not strongly connected. */
export function isSeparated(stats: PairStats): { separated: boolean; unrated: number[] } {
  const { m, wins, count } = stats;
  const rated: number[] = [];
  const unrated: number[] = [];
  for (let i = 0; i < m; i++) {
    let c = 0;
    for (let j = 0; j < m; j++) c += count[i * m + j];
    (c > 0 ? rated : unrated).push(i);
  }
  if (rated.length <= 1) return { separated: false, unrated };
  const reach = (forward: boolean): number => {
    const seen = new Set<number>([rated[0]]);
    const stack = [rated[0]];
    while (stack.length) {
      const u = stack.pop()!;
      for (const v of rated) {
        const w = forward ? wins[u * m + v] : wins[v * m + u];
        if (!seen.has(v) && w > 0) {
          seen.add(v);
          stack.push(v);
        }
      }
    }
    return seen.size;
  };
  const separated = reach(true) < rated.length || reach(false) < rated.length;
  return { separated, unrated };
}

/** Solve A x = b in place for a symmetric positive-definite A (n×n, row-major) by Cholesky. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error(`Cholesky: matrix is not positive definite (pivot ${i}: ${s})`);
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Fit scores from aggregated pair sums. */
export function bradleyTerryFitStats(stats: PairStats, opts: BradleyTerryOptions = {}): BradleyTerryFit {
  const { m, wins, count, totalWeight } = stats;
  const pin = opts.pin ?? 0;
  if (pin < 0 || pin >= m) throw new Error(`Bradley–Terry: pinned model ${pin} is not among ${m} models`);
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 100;
  const { separated, unrated } = isSeparated(stats);
  let l2 = opts.l2 ?? 0;
  if (l2 === 0 && (separated || unrated.length > 0)) l2 = opts.fallbackL2 ?? (1e-4 * Math.max(totalWeight, 1)) / m;
  const xi = new Float64Array(m);
  if (opts.init) for (let i = 0; i < m; i++) xi[i] = opts.init[i] - opts.init[pin];
  const free: number[] = [];
  for (let i = 0; i < m; i++) if (i !== pin) free.push(i);
  const n = free.length;
  const scale = Math.max(totalWeight, 1e-300);
  const grad = new Float64Array(m);
  const hess = new Float64Array(m * m);
  let loss = bradleyTerryLoss(stats, xi, l2);
  let iterations = 0;
  let gradMax = Infinity;
  let converged = false;
  for (; iterations <= maxIter; iterations++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        const c = count[i * m + j];
        if (c === 0) continue;
        const s = sigmoid(xi[i] - xi[j]);
        const g = c * s - wins[i * m + j];
        grad[i] += g;
        grad[j] -= g;
        const h = c * s * (1 - s);
        hess[i * m + i] += h;
        hess[j * m + j] += h;
        hess[i * m + j] -= h;
        hess[j * m + i] -= h;
      }
      grad[i] += l2 * xi[i];
      hess[i * m + i] += l2;
    }
    gradMax = 0;
    for (const i of free) gradMax = Math.max(gradMax, Math.abs(grad[i]));
    gradMax /= scale;
    if (gradMax <= tol) {
      converged = true;
      break;
    }
    if (iterations === maxIter) break;
    const a = new Float64Array(n * n);
    const b = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      b[r] = -grad[free[r]];
      for (let c = 0; c < n; c++) a[r * n + c] = hess[free[r] * m + free[c]];
      a[r * n + r] += 1e-12 * scale; // keeps a barely-connected Hessian factorizable
    }
    const step = choleskySolve(a, b, n);
    // Backtracking: Newton is exact near the optimum; damp only when the loss would rise.
    let t = 1;
    const trial = new Float64Array(m);
    for (let k = 0; k < 40; k++) {
      trial.set(xi);
      for (let r = 0; r < n; r++) trial[free[r]] += t * step[r];
      const l = bradleyTerryLoss(stats, trial, l2);
      if (l <= loss + 1e-12 * Math.abs(loss) || k === 39) {
        xi.set(trial);
        loss = l;
        break;
      }
      t /= 2;
    }
  }
  return { scores: Array.from(xi), loss, iterations, converged, gradMax, separated, l2, unrated };
}

/** Fit scores from battles. */
export function bradleyTerryFit(battles: readonly BattleLike[], m: number, opts: BradleyTerryOptions = {}): BradleyTerryFit {
  return bradleyTerryFitStats(aggregateBattles(battles, m), opts);
}
