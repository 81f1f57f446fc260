/**
 * Report Arena speed: the weighted Bradley–Terry fit plus 1,000 bootstrap rounds over 6,000 battles
 * among 10 models (target: under 5 s here), side by side with the same computation in numpy/scipy
 * (bench/peers/arena_bt_bootstrap.py, Debian's /usr/bin/python3), and the agreement of the two
 * point estimates and interval ends.
 *
 *   npx tsx bench/arena.ts [--rounds 1000] [--battles 6000] [--models 10] [--no-peer]
 *
 * The battles come from the simulation (active sampler, simulated judge), so they carry real
 * inverse-probability weights. Timings on a shared machine are noisy: compare the ratio within a run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bootstrapScores } from '../src/arena/bootstrap.js';
import { bradleyTerryFit } from '../src/arena/bradley-terry.js';
import { simulateArena } from '../src/arena/simulate.js';
import { numberFlag, parseArgs } from '../src/commands/args.js';
import { PROJECT_ROOT } from '../src/util/paths.js';
import { Rng } from '../src/util/rng.js';

const args = parseArgs(process.argv.slice(2), { values: ['battles', 'models', 'rounds'], booleans: ['no-peer'] });
const rounds = numberFlag(args, 'rounds', 1000)!;
const nBattles = numberFlag(args, 'battles', 6000)!;
const m = numberFlag(args, 'models', 10)!;
const rng = new Rng(42);
const strengths = Array.from({ length: m }, () => rng.normal(0, 1));
const { battles } = simulateArena({ strengths, battles: nBattles, sampler: 'active', seed: 42 });

const t0 = performance.now();
const fit = bradleyTerryFit(battles, m);
const boot = bootstrapScores(battles, m, { rounds, seed: 1 });
const ours = (performance.now() - t0) / 1000;
console.log(`Report Arena fit + ${rounds} bootstrap rounds, ${nBattles} battles, ${m} models`);
console.log(`  ours (TypeScript, Newton on pair sums): ${ours.toFixed(3)} s   target < 5 s: ${ours < 5 ? 'met' : 'NOT met'}`);
console.log(`  rounds separated: ${boot.separatedRounds}, unconverged: ${boot.unconvergedRounds}`);

if (!args.flags['no-peer']) {
  const input = JSON.stringify({ m, rounds, battles: battles.map((b) => [b.i, b.j, b.outcome, b.weight]) });
  const peer = spawnSync('/usr/bin/python3', [join(PROJECT_ROOT, 'bench', 'peers', 'arena_bt_bootstrap.py')], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (peer.status !== 0) {
    console.log(`  peer (numpy/scipy) failed: ${(peer.stderr || peer.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
  } else {
    const p = JSON.parse(peer.stdout) as { seconds: number; scores: number[]; lower: number[]; upper: number[] };
    const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, k) => Math.abs(x - b[k])));
    console.log(`  peer (numpy + scipy L-BFGS-B, same resampling scheme): ${p.seconds.toFixed(3)} s`);
    console.log(`  speed ratio peer/ours: ${(p.seconds / ours).toFixed(1)}x`);
    console.log(`  point scores max |diff|: ${maxDiff(fit.scores, p.scores).toExponential(2)}`);
    console.log(`  interval ends max |diff| (different random resamples, so ~Monte Carlo error): lower ${maxDiff(boot.lower, p.lower).toFixed(3)}, upper ${maxDiff(boot.upper, p.upper).toFixed(3)}`);
  }
}
