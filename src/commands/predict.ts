/** `deepmedix predict`: greedy predictions of a checkpoint on a benchmark -> `{"id","text"}` JSONL. */
import { basename } from 'node:path';
import { initBackend } from '../backend.js';
import { boxGrammarOf, resolveConfig } from '../config.js';
import { loadModel } from '../model/checkpoint.js';
import { predictRecords } from '../eval/predict.js';
import { benchmarkRecords } from '../job/stage1data.js';
import { atomicWrite, writeJson, writeJsonl } from '../util/fsx.js';
import { constantBaseline, scoreStage1, shuffleImages, stage1Table, type Stage1Metrics } from '../eval/instruction-scores.js';
import { numberFlag, parseArgs, requireFlag, stringFlag } from './args.js';
import { COMMON_FLAGS, type Command } from './types.js';
import { ENDPOINT_USAGE, runEndpointPredict } from './predict-endpoint.js';

export const command: Command = {
  name: 'predict',
  summary: 'greedy predictions of a checkpoint on a benchmark ({"id","text"} JSONL)',
  usage: `Usage: deepmedix predict --checkpoint DIR --benchmark BENCH --out PRED.jsonl [--images DIR] [--limit N] [--batch N] [--max-new-tokens N]

BENCH is a JSONL file of instruction records (image paths absolute or relative to --images, default
the file's directory), or 'test' / 'val': the held-out split of the cohort the checkpoint's config
names (data/cohort-<profile>, split by patient as in training).
  --limit N            first N records only
  --batch N            prompts decoded together (default 16)
  --max-new-tokens N   cap on generated tokens (default: the model's context)
  --metrics            also score the predictions (Table-1 report metrics, VQA accuracy, grounding
                       IoU) and, for 'test' / 'val', a constant baseline built from the training
                       split; writes PRED.metrics.json and PRED.metrics.md
  --shuffle-images S   control run: permute the images among the records (seed S) before predicting

${ENDPOINT_USAGE}

${COMMON_FLAGS}`,
  async run(argv) {
    const args = parseArgs(argv, ['quiet', 'metrics', 'allow-external-images']);
    if (args.flags.endpoint !== undefined) return runEndpointPredict(args);
    const ckDir = requireFlag(args, 'checkpoint');
    const bench = requireFlag(args, 'benchmark');
    const out = requireFlag(args, 'out');
    await initBackend();
    const { model, tokenizer, checkpoint } = loadModel(ckDir);
    const { records, imageRoot, train } = await benchmarkRecords(bench, {
      images: stringFlag(args, 'images'),
      cohort: stringFlag(args, 'cohort'),
      limit: numberFlag(args, 'limit'),
      config: () => checkpoint.header.config ?? resolveConfig(stringFlag(args, 'profile', 'default')),
    });
    const shuffleSeed = numberFlag(args, 'shuffle-images');
    const inputs = shuffleSeed === undefined ? records : shuffleImages(records, shuffleSeed);
    const preds = await predictRecords(model, tokenizer, inputs, {
      imageRoot,
      batchSize: numberFlag(args, 'batch', 16),
      maxNewTokens: numberFlag(args, 'max-new-tokens'),
      quiet: Boolean(args.flags.quiet),
      // A checkpoint from before the option existed decodes as the defaults say.
      boxGrammar: boxGrammarOf(checkpoint.header.config),
    });
    writeJsonl(out, preds);
    console.log(`wrote ${preds.length} predictions to ${out}`);
    if (args.flags.metrics) {
      const name = basename(ckDir) + (shuffleSeed === undefined ? '' : ' (shuffled images)');
      const systems: Record<string, Stage1Metrics> = { [name]: scoreStage1(records, new Map(preds.map((p) => [p.id, p.text]))) };
      if (train) systems['constant baseline'] = scoreStage1(records, constantBaseline(train, records));
      const table = stage1Table(systems);
      const stem = out.replace(/\.jsonl$/, '');
      writeJson(`${stem}.metrics.json`, { benchmark: bench, checkpoint: ckDir, n: records.length, systems });
      atomicWrite(`${stem}.metrics.md`, table + '\n');
      console.log(table);
    }
    model.dispose();
    return 0;
  },
};
