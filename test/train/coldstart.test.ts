/** Stage 2: hyper-parameters, context fitting, the grounded-output measures (hand-worked), and a tiny end-to-end run. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { coldstartHyper, fitContext, trainColdStart } from '../../src/train/coldstart.js';
import { runSynthesisStage } from '../../src/reasoning/synthesis.js';
import { loadTemplates, withFormatPrompts } from '../../src/data/templates.js';
import { trainTokenizer } from '../../src/text/tokenizer.js';
import { buildCohort } from '../../src/data/cohort.js';
import { buildInstructions } from '../../src/data/instructions.js';
import { trainSft } from '../../src/train/sft.js';
import { readCheckpoint } from '../../src/model/checkpoint.js';
import { RECORDS, STUDIES, byId } from '../reasoning/fixtures.js';
import { groundedOutputStats } from '../../src/eval/grounding.js';

describe('reasoning/coldstart', () => {
  it('lays the coldstart section over the SFT hyper-parameters', () => {
    const c = resolveConfig('smoke');
    const h = coldstartHyper(c);
    assert.equal(h.lr, c.coldstart.lr);
    assert.equal(h.epochs, c.coldstart.epochs);
    assert.equal(h.batchSize, c.coldstart.batchSize);
    assert.equal(h.clipNorm, c.sft.clipNorm);
  });

  it('measures format, boxes and IoU of outputs as worked by hand', () => {
    const preds = [
      // well formed, one box equal to the effusion box: IoU 1
      { id: 'r-pres', text: '<think>left base [300, 330, 440, 420]</think> \\boxed{yes}' },
      // well formed, a box half overlapping the nodule [120,160,150,190]: [120,160,150,220] -> 900/1800 = 0.5; one box out of bound
      { id: 'r-loc', text: '<think>[120, 160, 150, 220] and [500, 0, 600, 10]</think>\\boxed{right}' },
      // not well formed, no think: boxes outside think do not count
      { id: 'r-view', text: 'PA [1, 2, 3, 4]' },
    ];
    const s = groundedOutputStats(preds, RECORDS, STUDIES, 512);
    assert.equal(s.n, 3);
    assert.equal(s.formatRate, 2 / 3);
    assert.equal(s.meanBoxes, 1);
    assert.equal(s.withBoxesRate, 2 / 3);
    assert.equal(s.inBoundRate, 2 / 3);
    assert.equal(s.itemsWithTruth, 2);
    assert.equal(s.meanIou, 0.75);
    assert.equal(s.boxMatchRate, 2 / 3, 'IoU 1 and 0.5 match, the out-of-bound box does not');
    assert.throws(() => groundedOutputStats([{ id: 'nope', text: '' }], RECORDS, STUDIES, 512), /nope/);
  });

  it('appends the format instruction and splits off records that exceed the context', () => {
    const templates = loadTemplates();
    const [r] = withFormatPrompts([byId('r-pres')], templates);
    assert.equal(r.id, 'r-pres');
    assert.match(r.prompt, /^Is there a pleural effusion\?\n.*\\boxed\{\}/s);
    const tok = trainTokenizer(RECORDS.flatMap((x) => [x.prompt, x.answer]), { vocabSize: 900 });
    const { fit, tooLong } = fitContext(RECORDS, tok, 40);
    assert.equal(fit.length + tooLong.length, RECORDS.length);
    assert.ok(tooLong.some((x) => x.id === 'r-find'));
    assert.ok(fit.some((x) => x.id === 'r-view'));
  });

  it('fine-tunes a stage-1 checkpoint on synthesized, filtered samples that fit its context', async function () {
    this.timeout(120000);
    const dir = mkdtempSync(join(tmpdir(), 'dmx-cs-'));
    try {
      const config = resolveConfig('smoke', {
        'model.imageSize': 16, 'model.patchSize': 8, 'model.dModel': 16, 'model.dFf': 32, 'model.nHeads': 2, 'model.vocabSize': 900,
        'sft.epochs': 1, 'sft.batchSize': 4, 'sft.valItems': 4, 'sft.evalSamples': 1,
        'model.maxLen': 256, 'coldstart.samples': 4, 'coldstart.batchSize': 4, 'coldstart.epochs': 1,
      });
      const { studies } = await buildCohort(join(dir, 'cohort'), { n: 6, seed: 3, quiet: true });
      const recs = buildInstructions(studies, { seed: 3, vqaPerStudy: 1 });
      const train = recs.filter((r) => r.studyId !== studies[5].id);
      const val = recs.filter((r) => r.studyId === studies[5].id);
      await trainSft({ config, out: join(dir, 'stage1'), train: train.slice(0, 4), val: val.slice(0, 2), imageRoot: join(dir, 'cohort'), quiet: true });
      const synthesis = await runSynthesisStage(config, { records: train, studies, imageRoot: join(dir, 'cohort'), outDir: join(dir, 'synthesis'), quiet: true });
      const valSet = await runSynthesisStage(config, { records: val, studies, imageRoot: join(dir, 'cohort'), n: 2, quiet: true });
      assert.equal(synthesis.table.total, 4);
      assert.equal(synthesis.table.kept, 4);
      const r = await trainColdStart(config, { stage1: join(dir, 'stage1'), train: synthesis.coldstart, val: valSet.coldstart, imageRoot: join(dir, 'cohort'), out: join(dir, 'stage2'), quiet: true });
      assert.equal(r.trainSet.length + r.tooLong, 4);
      assert.ok(r.trainSet.length > 0);
      assert.ok(r.trainSet.every((x) => x.answer.startsWith('<think>') && x.prompt.includes('\\boxed{}')));
      assert.ok(existsSync(join(dir, 'synthesis', 'coldstart.jsonl')));
      assert.equal(readCheckpoint(join(dir, 'stage2')).header.spec.dModel, 16);
      assert.ok(Number.isFinite(r.sft.lastLoss));
      r.sft.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
