/**
 * Synthetic cohort rendering speed (target: at least 100 studies/s on the 2 cores here for the
 * 512 frame; the default cohort in under 5 minutes; memory flat while rendering).
 *
 *   npx tsx bench/cohort.ts [--n 600] [--concurrency 4] [--keep DIR] [--no-vips-cache]
 *
 * Prints wall-clock studies/s (what a user waits for; noisy on a shared machine), CPU seconds per
 * study summed over all threads (libvips included: less sensitive to other load), the throughput
 * that CPU cost allows on 2 dedicated cores, the ratio to the 100 studies/s target, and the
 * side-by-side peer: sharp encoding a pre-rendered 512x512 greyscale PNG, the floor cost of writing
 * any image of this size. Resident memory is sampled during the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildCohort } from '../src/data/cohort.js';
import { resolveConfig } from '../src/config.js';
import { numberFlag, parseArgs, stringFlag } from '../src/commands/args.js';

const args = parseArgs(process.argv.slice(2), { values: ['concurrency', 'keep', 'n'], booleans: ['no-vips-cache'] });
// libvips keeps a cache of recent operations (up to 50 MB); switch it off to see the renderer's own memory.
if (args.flags['no-vips-cache']) sharp.cache(false);
const n = numberFlag(args, 'n', 600)!;
const concurrency = numberFlag(args, 'concurrency', 4)!;
const keep = stringFlag(args, 'keep');
const TARGET = 100;
const cores = 2;

const root = mkdtempSync(join(tmpdir(), 'dm-bench-cohort-'));
const rss: number[] = [];
const heap: number[] = [];
const external: number[] = [];
const timer = setInterval(() => {
  const m = process.memoryUsage();
  rss.push(m.rss / 2 ** 20);
  heap.push(m.heapUsed / 2 ** 20);
  external.push((m.external + m.arrayBuffers) / 2 ** 20);
}, 250);

// Warm-up (library loading, JIT), not timed.
await buildCohort(join(root, 'warm'), { n: 8, seed: 1, quiet: true });

const cpu0 = process.cpuUsage();
const t0 = performance.now();
await buildCohort(keep ?? join(root, 'cohort'), { n, seed: 7, concurrency, quiet: true });
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuPerStudy = (cpu.user + cpu.system) / 1e6 / n;

// Peer: encode the same number of 512x512 greyscale noise frames to PNG with sharp.
const noise = Buffer.alloc(512 * 512);
for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
const pc0 = process.cpuUsage();
const p0 = performance.now();
for (let i = 0; i < Math.min(n, 200); i++) await sharp(noise, { raw: { width: 512, height: 512, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 2, adaptiveFiltering: false }).toBuffer();
const peerN = Math.min(n, 200);
const peerWall = (performance.now() - p0) / 1000 / peerN;
const peerCpu = Object.values(process.cpuUsage(pc0)).reduce((a, b) => a + b, 0) / 1e6 / peerN;
clearInterval(timer);

const wallRate = n / wall;
const cpuRate = cores / cpuPerStudy;
const defaultN = resolveConfig('default').cohort.n;
const paperN = resolveConfig('paper').cohort.n;
const q = (a: number[], p: number) => a.slice().sort((x, y) => x - y)[Math.floor(p * (a.length - 1))] ?? NaN;
console.log(`cohort render bench: n=${n}, concurrency ${concurrency}, frame 512`);
console.log(`  wall clock        ${wall.toFixed(2)} s   ${wallRate.toFixed(1)} studies/s   (target ${TARGET}/s: ratio ${(wallRate / TARGET).toFixed(2)})`);
console.log(`  CPU per study     ${(cpuPerStudy * 1000).toFixed(1)} ms (all threads)  -> ${cpuRate.toFixed(0)} studies/s on ${cores} dedicated cores (ratio ${(cpuRate / TARGET).toFixed(2)})`);
console.log(`  peer: sharp PNG encode of a 512x512 frame: ${(peerWall * 1000).toFixed(1)} ms wall, ${(peerCpu * 1000).toFixed(1)} ms CPU; our full study costs ${(cpuPerStudy / peerCpu).toFixed(1)}x that`);
console.log(`  default cohort (${defaultN} studies): ${(defaultN / wallRate).toFixed(0)} s at this wall rate, ${(defaultN / cpuRate).toFixed(0)} s on 2 dedicated cores`);
console.log(`  paper-profile cohort (${paperN} studies): ${(paperN / wallRate / 60).toFixed(1)} min at this wall rate, ${(paperN / cpuRate / 60).toFixed(1)} min on 2 dedicated cores (target < 5 min)`);
const quarters = (a: number[]) => `first quarter median ${q(a.slice(0, a.length >> 2), 0.5).toFixed(0)}, last quarter median ${q(a.slice(-(a.length >> 2)), 0.5).toFixed(0)}, max ${Math.max(...a).toFixed(0)}`;
console.log(`  memory MiB: RSS ${quarters(rss)}; JS heap used ${quarters(heap)}; buffers ${quarters(external)}`);
rmSync(root, { recursive: true, force: true });
