import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { groupedBars } from '../../src/plots/charts.js';
import { chromiumPath, exportFigures } from '../../src/plots/render.js';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

const exe = chromiumPath();
(exe ? describe : describe.skip)(`plots/render: export through headless Chromium${exe ? '' : ' [skipped: no chromium; install Debian `chromium` or set DEEPMEDIX_CHROMIUM]'}`, function () {
  this.timeout(60_000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'deepmedix-render-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a PNG of the expected pixel size, an SVG with the title, and interactive HTML', async () => {
    const spec = groupedBars({ 'DeepMedix-R1': { 'BLEU-1': 0.3402, 'ROUGE-L': 0.3292 }, DeepMedix: { 'BLEU-1': 0.2445, 'ROUGE-L': 0.287 } }, { title: 'Render check', valueTitle: 'score' });
    const files = await exportFigures([{ name: 'check', spec, width: 420, height: 300 }], dir, { scale: 2 });
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['check.png', 'check.svg', 'check.html']);
    const png = readFileSync(join(dir, 'check.png'));
    assert.deepEqual(pngSize(png), { width: 840, height: 600 });
    // not blank: a real share of the pixels is drawn (bars, axes, text), not the white background
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let inked = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] < 230 || data[i + 1] < 230 || data[i + 2] < 230) inked++;
    const share = inked / (info.width * info.height);
    assert.ok(share > 0.03 && share < 0.8, `drawn share of pixels ${share.toFixed(3)}`);
    const svg = readFileSync(join(dir, 'check.svg'), 'utf8');
    assert.match(svg, /^<svg[^>]*width="420"[^>]*height="300"/);
    assert.match(svg, /Render check/);
    assert.match(svg, /DeepMedix-R1/);
    const html = readFileSync(join(dir, 'check.html'), 'utf8');
    assert.match(html, /<script src="plotly.min.js"><\/script>/);
    assert.ok(readFileSync(join(dir, 'plotly.min.js')).length > 1_000_000);
  });
});
