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
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusBleu } from '../src/metrics/bleu.js';
import { labelReport } from '../src/metrics/chexpert.js';
import { chexpertF1 } from '../src/metrics/labelF1.js';
import { corpusMeteor } from '../src/metrics/meteor.js';
import { radgraphF1 } from '../src/metrics/radgraph.js';
import { normalizeReport } from '../src/metrics/report.js';
import { corpusRougeL } from '../src/metrics/rouge.js';
import { defaultWordNet } from '../src/metrics/wordnet.js';
import { PROJECT_ROOT, sharedPath } from '../src/util/paths.js';
import type { Labels } from '../src/data/types.js';

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

const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;
const t: Record<string, number> = {};
let t0 = process.hrtime.bigint();
defaultWordNet().synonymNames('heart');
t.setup = ms(t0);
t0 = process.hrtime.bigint();
const hyps = rawPairs.map(([h]) => normalizeReport(h));
const refs = rawPairs.map(([, r]) => [normalizeReport(r)]);
t.normalize = ms(t0);
t0 = process.hrtime.bigint();
const bleu = corpusBleu(hyps, refs).bleu;
t.bleu = ms(t0);
t0 = process.hrtime.bigint();
const meteor = corpusMeteor(hyps, refs).perReport;
t.meteor = ms(t0);
t0 = process.hrtime.bigint();
const rouge = corpusRougeL(hyps, refs).perReport;
t.rouge = ms(t0);
t0 = process.hrtime.bigint();
const cache = new Map<string, Labels>();
const lab = (x: string): Labels => cache.get(x) ?? (cache.set(x, labelReport(x)), cache.get(x)!);
const f1 = chexpertF1(rawPairs.map(([h]) => lab(h)), rawPairs.map(([, r]) => lab(r)));
t.chexpert = ms(t0);
t0 = process.hrtime.bigint();
const rg = radgraphF1(rawPairs.map(([h]) => h), rawPairs.map(([, r]) => r)).f1;
t.radgraph = ms(t0);
const oursShared = t.bleu + t.meteor + t.rouge;
const oursAll = Object.values(t).reduce((a, b) => a + b, 0);

const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
const pairsFile = join(dir, 'pairs.json');
writeFileSync(pairsFile, JSON.stringify({ pairs: hyps.map((h, i) => [h, refs[i][0]]) }));
console.log(`ours: ${N} pairs, all 11 metrics in ${(oursAll / 1000).toFixed(2)} s; running the NLTK peer on the same pairs…`);
const py = spawnSync('/usr/bin/python3', [join(PROJECT_ROOT, 'scripts/reference/bench_nltk.py'), pairsFile], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (py.status !== 0) throw new Error(`peer failed: ${py.stderr}`);
const peer = JSON.parse(py.stdout) as { seconds: Record<string, number>; bleu: number[]; meteor: number[]; rouge: number[] };
const peerShared = (peer.seconds.bleu + peer.seconds.meteor + peer.seconds.rouge) * 1000;

const bleuDiff = Math.max(...bleu.map((b, k) => Math.abs(b - peer.bleu[k])));
const meteorDiff = Math.max(...meteor.map((m, i) => Math.abs(m - peer.meteor[i])));
const rougeDiff = Math.max(...rouge.map((r, i) => Math.abs(r - peer.rouge[i])));
const row = (name: string, a: number, b: number | null): string => `${name.padEnd(26)} ${(a / 1000).toFixed(3).padStart(8)} s ${b === null ? '' : `${(b / 1000).toFixed(3).padStart(9)} s ${(b / a).toFixed(1).padStart(7)}×`}`;
console.log(`\n${'stage'.padEnd(26)} ${'ours'.padStart(10)} ${'peer'.padStart(11)} ${'ratio'.padStart(8)}`);
console.log(row('setup (WordNet index)', t.setup, peer.seconds.setup * 1000));
console.log(row('BLEU-1..4', t.bleu, peer.seconds.bleu * 1000));
console.log(row('METEOR', t.meteor, peer.seconds.meteor * 1000));
console.log(row('ROUGE-L (peer: py port)', t.rouge, peer.seconds.rouge * 1000));
console.log(row('BLEU+METEOR+ROUGE-L', oursShared, peerShared));
console.log(row('normalize', t.normalize, null));
console.log(row('CheXpert-style F1', t.chexpert, null));
console.log(row('RadGraph-style F1', t.radgraph, null));
console.log(row('all 11 metrics (+setup)', oursAll, null));
console.log(`\nscores: BLEU ${bleu.map((b) => b.toFixed(4)).join('/')}, METEOR ${(meteor.reduce((a, b) => a + b, 0) / N).toFixed(4)}, ROUGE-L ${(rouge.reduce((a, b) => a + b, 0) / N).toFixed(4)}, RadGraph ${rg.toFixed(4)}, Micro-14 ${f1['Micro-14'].toFixed(4)}`);
console.log(`agreement with the peer: max |ΔBLEU| ${bleuDiff.toExponential(2)} (≤ 1e-6), max |ΔMETEOR| ${meteorDiff.toExponential(2)} (≤ 1e-4), max |ΔROUGE-L| ${rougeDiff.toExponential(2)} (≤ 1e-6)`);
const ok = oursAll < 20000 && peerShared / oursShared >= 10 && bleuDiff <= 1e-6 && meteorDiff <= 1e-4 && rougeDiff <= 1e-6;
console.log(`targets: all metrics < 20 s: ${oursAll < 20000 ? 'met' : 'MISSED'}; ≥ 10× peer: ${peerShared / oursShared >= 10 ? 'met' : 'MISSED'}; equal scores: ${bleuDiff <= 1e-6 && meteorDiff <= 1e-4 && rougeDiff <= 1e-6 ? 'met' : 'MISSED'}`);
process.exitCode = ok ? 0 : 1;
