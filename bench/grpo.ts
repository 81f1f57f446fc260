/**
 * GRPO step throughput of the default model, with the split of each step's time between
 * generation (G samples per prompt, KV cache), reward scoring, and the update (reference pass,
 * μ forward/backward passes, AdamW), and the tfjs tensor count and heap across the steps
 * (they must stay flat).
 *
 *   npx tsx bench/grpo.ts [--profile default] [--steps 10] [--prompts 4] [--group 8] [--new-tokens 96] [--mu 1] [--beta 0.01]
 *
 * Random weights and random images, prompts of 24 tokens: this measures the machinery, not
 * learning (random responses mostly score 0). Generation tokens/s side by side with the same
 * decoder in PyTorch is bench/model.ts's generation column; the update's core (forward, backward,
 * AdamW) is bench/model.ts's training step. Wall times move with the machine's load: read the
 * shares within one run, and the CPU column beside them.
 */
import { initBackend, tf } from '../src/backend.js';
import { resolveConfig } from '../src/config.js';
import { specFromConfig } from '../src/model/spec.js';
import { VisionLanguageModel } from '../src/model/vlm.js';
import { SPECIALS, Tokenizer } from '../src/text/tokenizer.js';
import { GrpoTrainer } from '../src/train/grpo/trainer.js';
import { frozenCopy, VlmPolicy, type GrpoPrompt } from '../src/train/grpo/policy.js';
import { numberFlag, parseArgs, stringFlag } from '../src/commands/args.js';
import { Rng } from '../src/util/rng.js';

const args = parseArgs(process.argv.slice(2), { values: ['beta', 'group', 'mu', 'new-tokens', 'prompts', 'steps'] });
const config = resolveConfig(stringFlag(args, 'profile', 'default')!, args.overrides);
const steps = numberFlag(args, 'steps', 10)!;
const grpo = {
  ...config.grpo,
  batchPrompts: numberFlag(args, 'prompts', config.grpo.batchPrompts)!,
  groupSize: numberFlag(args, 'group', config.grpo.groupSize)!,
  maxNewTokens: numberFlag(args, 'new-tokens', config.grpo.maxNewTokens)!,
  mu: numberFlag(args, 'mu', config.grpo.mu)!,
  beta: numberFlag(args, 'beta', config.grpo.beta)!,
};

const backend = await initBackend();
/** A tokenizer whose vocabulary matches the configured size (synthetic merges: only ids matter). */
const coordBins = config.model.coordBins;
const fixed = SPECIALS.length + 256 + coordBins;
const merges: [number, number][] = [];
for (let i = 0; i < config.model.vocabSize - fixed; i++) merges.push([SPECIALS.length + (i % 256), SPECIALS.length + 97 + Math.floor(i / 256)]);
const tok = new Tokenizer({ kind: 'deepmedix-bpe', version: 1, specials: [...SPECIALS], coordBins, merges });
const spec = specFromConfig(config.model, tok.vocabSize);
const model = new VisionLanguageModel(spec, 1);
const reference = grpo.beta > 0 ? frozenCopy(model) : null;
const rng = new Rng('bench-grpo');
const S = spec.imageSize;
const data: GrpoPrompt[] = Array.from({ length: 16 }, (_, i) => ({
  id: `p${i}`,
  pixels: Float32Array.from({ length: S * S }, () => rng.next()),
  prompt: [tok.bosId, ...Array.from({ length: 22 }, () => rng.int(SPECIALS.length, tok.vocabSize - 1)), tok.assistantId],
  answer: i % 2 ? 'yes' : 'Mild cardiomegaly without pleural effusion.',
}));
const trainer = new GrpoTrainer(new VlmPolicy(model, tok, undefined, config.model.boxGrammar), reference ? new VlmPolicy(reference, tok, undefined, config.model.boxGrammar) : null, data, grpo, config.reward, { seed: 1, warn: () => {} });

console.log(`GRPO bench: profile ${config.profile}, backend ${backend.name}; ${grpo.batchPrompts} prompts × G ${grpo.groupSize}, ≤ ${grpo.maxNewTokens} new tokens, μ ${grpo.mu}, β ${grpo.beta}`);
console.log('step   wall s   cpu s  gen %  reward %  update %  gen tok/s  resp len  tensors   heap MB');
const rows: { wall: number; gen: number; rew: number; upd: number; tokens: number }[] = [];
const tensorCounts: number[] = [];
for (let s = 0; s < steps; s++) {
  const c0 = process.cpuUsage();
  const log = trainer.trainStep();
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const tokens = log.responseLength.mean * grpo.batchPrompts * grpo.groupSize;
  const t = log.seconds;
  const mem = tf.memory();
  tensorCounts.push(mem.numTensors);
  rows.push({ wall: t.total, gen: t.generate, rew: t.reward, upd: t.update, tokens });
  const pct = (x: number) => ((100 * x) / t.total).toFixed(1).padStart(5);
  console.log(
    `${String(log.step).padStart(4)} ${t.total.toFixed(2).padStart(8)} ${cpu.toFixed(2).padStart(7)} ${pct(t.generate)}  ${pct(t.reward)}    ${pct(t.update)}  ${(tokens / t.generate).toFixed(0).padStart(9)}  ${log.responseLength.mean.toFixed(1).padStart(8)}  ${String(mem.numTensors).padStart(7)}  ${(mem.numBytes / 2 ** 20).toFixed(1).padStart(8)}`,
  );
}
const warm = rows.slice(1);
const sum = (f: (r: (typeof rows)[number]) => number) => warm.reduce((a, r) => a + f(r), 0);
if (warm.length) {
  const wall = sum((r) => r.wall);
  console.log(
    `\nafter the first step: ${(warm.length / wall).toFixed(3)} steps/s; time in generation ${((100 * sum((r) => r.gen)) / wall).toFixed(1)}%, ` +
      `reward ${((100 * sum((r) => r.rew)) / wall).toFixed(1)}%, update ${((100 * sum((r) => r.upd)) / wall).toFixed(1)}%; generation ${(sum((r) => r.tokens) / sum((r) => r.gen)).toFixed(0)} tokens/s`,
  );
  const flat = tensorCounts.slice(1).every((n) => n === tensorCounts[1]);
  console.log(`tensor count from step 2 on: ${flat ? `flat at ${tensorCounts[1]}` : `NOT flat: ${tensorCounts.slice(1).join(', ')}`}`);
}
trainer.dispose();
model.dispose();
reference?.dispose();
