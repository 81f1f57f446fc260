/**
 * Report-metric speed, side by side with the peer: all 11 Table 1 metrics on 14,200 IU report pairs
 * (the size of XrayBench's test set), and BLEU-1..4 + METEOR + ROUGE-L against NLTK 3.8 (corpus_bleu,
 * meteor_score) and the Python pycocoevalcap-formula ROUGE-L on the same pairs, checking the scores
 * agree (BLEU ≤ 1e-6, ROUGE-L ≤ 1e-6, METEOR ≤ 1e-4 per pair).
 * Targets: all metrics < 20 s on this machine's 2 cores; ≥ 10× the peer on the shared metrics.
 *
 * Run: npx tsx bench/metrics.ts [--pairs 14200]   (needs ../shared and /usr/bin/python3 with python3-nltk)
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusBleu } from '../src/metrics/bleu.js';
import { labelReport } from '../src/labels/chexpert.js';
import { chexpertF1 } from '../src/metrics/label-f1.js';
import { corpusMeteor } from '../src/metrics/meteor.js';
import { radgraphF1 } from '../src/metrics/radgraph.js';
import { normalizeReport } from '../src/metrics/report.js';
import { corpusRougeL } from '../src/metrics/rouge.js';
import { defaultWordNet } from '../src/metrics/wordnet.js';
import { PROJECT_ROOT, sharedPath } from '../src/util/paths.js';

const argIdx = process.argv.indexOf('--pairs');
const N = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 14200;
const annPath = sharedPath('data', 'iu-xray', 'r2gen_annotation.json');
if (!annPath) throw new Error('bench/metrics.ts needs ../shared/data/iu-xray/r2gen_annotation.json');
const ann = JSON.parse(readFileSync(annPath, 'utf8')) as Record<string, { report: string }[]>;
const raw = [...ann.train, ...ann.val, ...ann.test].map((s) => s.report);
const n = raw.length;
// pair i: report i mod n against another study's report (a different offset each pass)
const rawPairs: [string, string][] = [];
for (let i = 0; i < N; i++) rawPairs.push([raw[i % n], raw[(i + 1 + 17 * Math.floor(i / n)) % n]]);

const t: Record<string, number> = {};
const c: Record<string, number> = {};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Time a stage: wall-clock ms into t, process CPU ms (all threads) into c. */
function timed<T>(name: string, fn: () => T): T {
  const w0 = performance.now();
  const c0 = cpuMs();
  const out = fn();
  t[name] = performance.now() - w0;
  c[name] = cpuMs() - c0;
  return out;
}
timed('setup', () => defaultWordNet().synonymNames('heart'));
const hyps = timed('normalize', () => rawPairs.map(([h]) => normalizeReport(h)));
const refs = rawPairs.map(([, r]) => [normalizeReport(r)]);
const bleu = timed('bleu', () => corpusBleu(hyps, refs).bleu);
const meteor = timed('meteor', () => corpusMeteor(hyps, refs).perReport);
const rouge = timed('rouge', () => corpusRougeL(hyps, refs).perReport);
const f1 = timed('chexpert', () => chexpertF1(rawPairs.map(([h]) => labelReport(h)), rawPairs.map(([, r]) => labelReport(r))));
const rg = timed('radgraph', () => radgraphF1(rawPairs.map(([h]) => h), rawPairs.map(([, r]) => r)).f1);
const oursShared = t.bleu + t.meteor + t.rouge;
const oursAll = Object.values(t).reduce((a, b) => a + b, 0);
const oursSharedCpu = c.bleu + c.meteor + c.rouge;
const oursAllCpu = Object.values(c).reduce((a, b) => a + b, 0);

const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
const pairsFile = join(dir, 'pairs.json');
writeFileSync(pairsFile, JSON.stringify({ pairs: hyps.map((h, i) => [h, refs[i][0]]) }));
console.log(`ours: ${N} pairs, all 11 metrics in ${(oursAll / 1000).toFixed(2)} s (CPU ${(oursAllCpu / 1000).toFixed(2)} s); running the NLTK peer on the same pairs…`);
const py = spawnSync('/usr/bin/python3', [join(PROJECT_ROOT, 'scripts/reference/bench_nltk.py'), pairsFile], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (py.status !== 0) throw new Error(`peer failed: ${py.stderr}`);
const peer = JSON.parse(py.stdout) as { seconds: Record<string, number>; cpuSeconds: Record<string, number>; bleu: number[]; meteor: number[]; rouge: number[] };
const peerShared = (peer.seconds.bleu + peer.seconds.meteor + peer.seconds.rouge) * 1000;
const peerSharedCpu = (peer.cpuSeconds.bleu + peer.cpuSeconds.meteor + peer.cpuSeconds.rouge) * 1000;

const bleuDiff = Math.max(...bleu.map((b, k) => Math.abs(b - peer.bleu[k])));
const meteorDiff = Math.max(...meteor.map((m, i) => Math.abs(m - peer.meteor[i])));
const rougeDiff = Math.max(...rouge.map((r, i) => Math.abs(r - peer.rouge[i])));
const sec = (x: number): string => (x / 1000).toFixed(3).padStart(8);
const row = (name: string, key: string | null, a: number, ac: number, b?: number, bc?: number): string =>
  `${name.padEnd(26)} ${sec(a)} ${sec(ac)}` + (b === undefined || bc === undefined ? '' : ` ${sec(b)} ${sec(bc)} ${(b / a).toFixed(1).padStart(6)}× ${(bc / ac).toFixed(1).padStart(6)}×`);
const p = (k: string): [number, number] => [peer.seconds[k] * 1000, peer.cpuSeconds[k] * 1000];
console.log(`\nload average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores (wall-clock times suffer under load; CPU times less so)`);
console.log(`${'stage'.padEnd(26)} ${'ours wall'.padStart(8)} ${'ours cpu'.padStart(8)} ${'NLTK wall'.padStart(8)} ${'NLTK cpu'.padStart(8)} ${'wall'.padStart(7)} ${'cpu'.padStart(7)}   (seconds; ratio = peer / ours)`);
console.log(row('setup (WordNet index)', null, t.setup, c.setup, ...p('setup')));
console.log(row('BLEU-1..4', null, t.bleu, c.bleu, ...p('bleu')));
console.log(row('METEOR', null, t.meteor, c.meteor, ...p('meteor')));
console.log(row('ROUGE-L (peer: py port)', null, t.rouge, c.rouge, ...p('rouge')));
console.log(row('BLEU+METEOR+ROUGE-L', null, oursShared, oursSharedCpu, peerShared, peerSharedCpu));
console.log(row('normalize', null, t.normalize, c.normalize));
console.log(row('CheXpert-style F1', null, t.chexpert, c.chexpert));
console.log(row('RadGraph-style F1', null, t.radgraph, c.radgraph));
console.log(row('all 11 metrics (+setup)', null, oursAll, oursAllCpu));
console.log(`\nscores: BLEU ${bleu.map((b) => b.toFixed(4)).join('/')}, METEOR ${(meteor.reduce((a, b) => a + b, 0) / N).toFixed(4)}, ROUGE-L ${(rouge.reduce((a, b) => a + b, 0) / N).toFixed(4)}, RadGraph ${rg.toFixed(4)}, Micro-14 ${f1['Micro-14'].toFixed(4)}`);
console.log(`agreement with the peer: max |ΔBLEU| ${bleuDiff.toExponential(2)} (≤ 1e-6), max |ΔMETEOR| ${meteorDiff.toExponential(2)} (≤ 1e-4), max |ΔROUGE-L| ${rougeDiff.toExponential(2)} (≤ 1e-6)`);
const equal = bleuDiff <= 1e-6 && meteorDiff <= 1e-4 && rougeDiff <= 1e-6;
const verdict = (okWall: boolean, okCpu: boolean): string => `wall ${okWall ? 'met' : 'MISSED'}, cpu ${okCpu ? 'met' : 'MISSED'}`;
console.log(`targets: all metrics < 20 s: ${verdict(oursAll < 20000, oursAllCpu < 20000)}; ≥ 10× NLTK: ${verdict(peerShared / oursShared >= 10, peerSharedCpu / oursSharedCpu >= 10)}; equal scores: ${equal ? 'met' : 'MISSED'}`);
const ok = oursAll < 20000 && peerShared / oursShared >= 10 && equal;
process.exitCode = ok ? 0 : 1;
