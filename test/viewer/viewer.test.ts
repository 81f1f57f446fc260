import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { InstructionRecord } from '../../src/data/types.js';
import { chromiumPath, launchHeadless, type Headless } from '../../src/plots/render.js';
import { loadViewerItems, readPredictions } from '../../src/viewer/items.js';
import { SLOT_COLORS } from '../../src/viewer/page.js';
import { readReviews, table2 } from '../../src/viewer/review.js';
import { slotOrder, startViewer, type RunningViewer } from '../../src/viewer/server.js';

function record(id: string, answer: string): InstructionRecord {
  return {
    id,
    studyId: `s-${id}`,
    patientId: 'p1',
    task: 'vqa',
    questionType: 'presence',
    images: ['img.png'],
    prompt: 'Is there a pleural effusion?',
    answer,
    answerKind: 'short',
    boxes: [{ finding: 'Pleural Effusion', box: [10, 100, 100, 200] }],
    source: 'synthetic',
    frame: 256,
  };
}

const BOX_A = [20, 40, 120, 200];
const BOX_B = [130, 50, 230, 150];
const PREDICTIONS = [
  { id: 'q1', model: 'mini-R1', text: `<think>Blunted left costophrenic angle at [${BOX_A.join(', ')}].</think> \\boxed{yes}` },
  { id: 'q1', model: 'mini-SFT', text: `<think>Heart border at [${BOX_B.join(', ')}] is normal.</think> \\boxed{no}` },
  { id: 'q2', model: 'mini-R1', text: '<think>No box here.</think> \\boxed{no}' },
  { id: 'q2', model: 'mini-SFT', text: 'no think block, answer no' },
];

function hexToRgb(h: string): number[] {
  return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
}

const exe = chromiumPath();
(exe ? describe : describe.skip)(`viewer: review page in headless Chromium${exe ? '' : ' [skipped: no chromium; install Debian `chromium`]'}`, function () {
  this.timeout(90_000);
  let dir = '';
  let viewer: RunningViewer;
  let browser: Headless;
  let reviews = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deepmedix-viewer-'));
    await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(join(dir, 'img.png'));
    writeFileSync(join(dir, 'records.jsonl'), [record('q1', 'yes'), record('q2', 'no'), record('q3', 'yes')].map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'preds.jsonl'), PREDICTIONS.map((p) => JSON.stringify(p)).join('\n') + '\n');
    reviews = join(dir, 'reviews.jsonl');
    const items = loadViewerItems(join(dir, 'records.jsonl'), [join(dir, 'preds.jsonl')]);
    viewer = await startViewer({ items, reviewsPath: reviews, seed: 3, reviewer: 'dr-a', group: 'g1' });
    browser = await launchHeadless();
  });
  after(async () => {
    await browser?.close();
    await viewer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the model from the line, else NAME=FILE, else the file stem', () => {
    writeFileSync(join(dir, 'plain.jsonl'), JSON.stringify({ id: 'q1', prediction: 'x' }) + '\n');
    assert.equal(readPredictions([join(dir, 'plain.jsonl')])[0].model, 'plain');
    assert.equal(readPredictions([`R1=${join(dir, 'plain.jsonl')}`])[0].model, 'R1');
    assert.equal(readPredictions([join(dir, 'preds.jsonl')])[0].model, 'mini-R1');
    writeFileSync(join(dir, 'bad.jsonl'), JSON.stringify({ id: 'q1' }) + '\n');
    assert.throws(() => readPredictions([join(dir, 'bad.jsonl')]), /bad\.jsonl: record 1: field 'text' \(or 'prediction'\)/);
  });

  it('joins records and predictions and parses the boxes named in the reasoning', () => {
    const items = loadViewerItems(join(dir, 'records.jsonl'), [join(dir, 'preds.jsonl')]);
    assert.deepEqual(items.map((i) => i.id), ['q1', 'q2']);
    assert.deepEqual(items[0].responses.find((r) => r.model === 'mini-R1')!.boxes, [BOX_A]);
    assert.equal(items[1].responses.find((r) => r.model === 'mini-SFT')!.answer, 'None');
    assert.equal(items[0].imagePath, join(dir, 'img.png'));
  });

  it('draws the image and each model’s boxes, saves a submitted review, refuses an incomplete one', async () => {
    assert.match(viewer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(viewer.openUrl, `${viewer.url}?token=${viewer.token}`);
    const items = loadViewerItems(join(dir, 'records.jsonl'), [join(dir, 'preds.jsonl')]);
    const order = slotOrder(items[0], true, 3).map((i) => items[0].responses[i].model);
    const page = await browser.newPage();
    await page.goto(viewer.openUrl);
    await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
    await page.waitForFunction(() => ((window as unknown as { __drawn?: number }).__drawn ?? 0) >= 2);
    assert.equal(await page.inputValue('#reviewer'), 'dr-a');
    // blind: labels hide the model names
    assert.deepEqual(await page.locator('.response h3').allInnerTexts(), ['Response 1', 'Response 2']);
    // canvas 512 px for a 256 frame: scale 2; top-edge midpoint of each box has that slot's colour
    const pixel = (x: number, y: number) =>
      page.evaluate(([x, y]) => [...(document.getElementById('image') as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data].slice(0, 3), [x, y]);
    for (let slot = 0; slot < 2; slot++) {
      const b = order[slot] === 'mini-R1' ? BOX_A : BOX_B;
      assert.deepEqual(await pixel(b[0] + b[2], 2 * b[1]), hexToRgb(SLOT_COLORS[slot]), `slot ${slot} box`);
    }
    assert.deepEqual(await pixel(500, 500), [128, 128, 128], 'image drawn');

    // slot 0 all "yes", slot 1 relevance yes only; slot 0 better grounded, tie overall
    for (const c of ['relevance', 'correctness', 'completeness']) {
      await page.check(`input[name="s-0-${c}"][value="1"]`);
      await page.check(`input[name="s-1-${c}"][value="${c === 'relevance' ? 1 : 0}"]`);
    }
    await page.check('input[name="pref-grounded"][value="0"]');
    await page.check('input[name="pref-overall"][value="tie"]');
    await page.click('#submit');
    await page.waitForFunction(() => /saved/.test(document.getElementById('status')!.textContent ?? ''));
    assert.match(await page.innerText('#pos'), /item 2 \/ 2/);

    // item 2 submitted without scores: refused, nothing written
    await page.click('#submit');
    assert.match(await page.innerText('#status'), /score relevance/);

    const saved = readReviews([reviews]);
    assert.equal(saved.length, 1);
    const r = saved[0];
    assert.equal(r.itemId, 'q1');
    assert.equal(r.reviewer, 'dr-a');
    assert.equal(r.group, 'g1');
    assert.deepEqual(r.scores[order[0]], { relevance: 1, correctness: 1, completeness: 1 });
    assert.deepEqual(r.scores[order[1]], { relevance: 1, correctness: 0, completeness: 0 });
    assert.deepEqual(r.preference, { models: order, grounded: order[0], overall: 'tie' });
    const t2 = Object.fromEntries(table2(saved).map((x) => [x.model, x.values]));
    assert.equal(t2[order[0]]['Grounded Preference'], 1);
    assert.equal(t2[order[1]]['Grounded Preference'], 0);
    assert.equal(t2[order[1]].Correctness, 0);
    await page.close();
  });

  it('rejects malformed submissions over HTTP and serves only listed images', async () => {
    const auth = { 'x-deepmedix-token': viewer.token! };
    const post = (body: unknown) => fetch(`${viewer.url}api/review`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let res = await post({ itemId: 'nope' });
    assert.equal(res.status, 400);
    res = await post({ itemId: 'q1', reviewer: 'x', group: 'g', scores: { 0: { relevance: 1, correctness: 1, completeness: 1 }, 1: { relevance: 5, correctness: 0, completeness: 0 } }, preference: { grounded: 0, overall: 1 } });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /scores of Response 2: 'relevance' must be an integer in 0\.\.1/);
    assert.equal((await fetch(`${viewer.url}api/image/9`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${viewer.url}api/image/0`, { headers: auth })).headers.get('content-type'), 'image/png');
    assert.equal((await fetch(`${viewer.url}../../etc/passwd`, { headers: auth })).status, 404);
    assert.equal(readFileSync(reviews, 'utf8').trim().split('\n').length, 1);
    assert.ok(existsSync(reviews));
  });
});
