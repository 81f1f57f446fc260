/**
 * The miniature vision-language model (DeepMedix-mini's architecture) and everything later stages
 * need from it. Import from here.
 *
 * ## Load a checkpoint, tokenize, generate
 * ```ts
 * import { loadModel, promptIds, generate } from './src/model/index.js';
 * const { model, tokenizer } = loadModel('data/runs/default/stage1');   // model + tokenizer
 * const inputs = [{ pixels, prompt: promptIds(tokenizer, record.prompt) }]; // pixels: loadImagePixels(path, model.spec.imageSize)
 * const out = generate(model, tokenizer, inputs, {
 *   maxNewTokens: 96, temperature: 1.0, topP: 1.0, samplesPerPrompt: 8, rng: seedOrRng,
 * });
 * // out: inputs.length × G rows, prompt-major; each { promptIndex, sample, tokens, logProbs, text, stopped }.
 * // tokens include the final EOS when the row stopped; logProbs[j] = log π(tokens[j]) under
 * // softmax(logits / temperature) (softmax(logits) when temperature is 0 = greedy), before any top-p cut.
 * ```
 *
 * ## Differentiable per-token log-probs of given responses (GRPO's ratio and KL)
 * ```ts
 * const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
 *   const { logProbs, mask } = responseLogProbs(model, pixels3d, promptIdRows, responseIdRows, temperature);
 *   // logProbs, mask: [B, R]; column j is responses[b][j]; mask 0 past the end of a response.
 *   return loss(logProbs, mask);   // a tf.Scalar
 * }), model.variables);
 * ```
 * With the same temperature, `responseLogProbs` reproduces `generate`'s logProbs (tested to 1e-4),
 * so old-policy log-probs can come from either. A frozen reference model is a second `loadModel`.
 * Parameters by name: `model.params` (Map of tf.Variable); AdamW decays `model.decayed`.
 *
 * ## Save / load
 * `saveCheckpoint(dir, { model, tokenizer, config, state, extra })` writes `dir/checkpoint.bin`
 * atomically (plus readable tokenizer.json, model.json); `loadModel(dir)` reads it back;
 * `readCheckpoint(dir)` gives the header (spec, tokenizer, config, state) and every stored tensor,
 * e.g. optimizer moments `adam.m/NAME` (see src/train/optim.ts `AdamW.stateTensors/restore`).
 * Loading weights of another architecture throws, naming the fields that differ.
 *
 * ## Sequence format (sequence.ts)
 * `[BOS] prompt [ASSISTANT] answer [EOS]`; `promptIds(tok, prompt)` = BOS + prompt + ASSISTANT,
 * `answerIds(tok, answer)` = answer + EOS. The tokenizer (src/text/tokenizer.ts) is byte-level BPE
 * with one token each for `<think>`, `</think>`, `\boxed{` and 5 tokens per canonical box.
 *
 * ## Training
 * `trainSft` (src/train/sft.ts) trains from records; stage 2 can call it with `init: stage1Dir` and
 * its own `hyper` (same shape as config.sft).
 */
export { VisionLanguageModel } from './vlm.js';
export { KvCache } from './attention.js';
export { specFromConfig, countParams, forwardMacs, numPatches, numPrefix, type ModelSpec } from './spec.js';
export { generate, pick, type GenerateOptions, type GenerationInput, type Generation } from './generate.js';
export { responseLogProbs, targetLogProbs, type ResponseLogProbs } from './logprobs.js';
export { promptIds, answerIds, leftPad } from './sequence.js';
export { saveCheckpoint, loadModel, readCheckpoint, loadWeightsInto, hasCheckpoint, specDiff, CHECKPOINT_FILE, type Checkpoint } from './checkpoint.js';
export { Tokenizer, trainTokenizer } from '../text/tokenizer.js';
