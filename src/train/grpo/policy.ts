/**
 * What the GRPO trainer needs from a model, as a small interface — sample G responses per prompt
 * with the log-probability of every sampled token, and give differentiable per-token
 * log-probabilities of given responses — and its implementation on the workbench's
 * vision-language model (`generate` with a KV cache, `responseLogProbs`).
 *
 * The reference policy π_ref is a frozen copy of the starting weights (`frozenCopy`): GRPO's KL term
 * keeps the policy near the model it started from (the paper: the cold-start DeepMedix).
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../model/checkpoint.js';
import { generate } from '../../model/generate.js';
import { responseLogProbs } from '../../model/logprobs.js';
import { VisionLanguageModel } from '../../model/vlm.js';
import type { Tokenizer } from '../../text/tokenizer.js';
import type { Rng } from '../../util/rng.js';
import { type AnswerKind } from '../../data/types.js';

/** One RL item: an image, the conditioning ids, and the ground-truth answer the reward scores against. */
export interface GrpoPrompt {
  id: string;
  /** Greyscale pixels (imageSize², row-major, [0, 1]). */
  pixels: Float32Array;
  /** Conditioning ids (BOS, prompt, ASSISTANT). */
  prompt: number[];
  /** Ground-truth answer (the content the `\boxed{…}` should hold). */
  answer: string;
  /** How the answer is scored; inferred from the answer when absent. */
  kind?: AnswerKind;
  /** Task label for logs (e.g. 'vqa', 'report-findings'). */
  task?: string;
}

export interface SampledResponse {
  /** Index of the prompt in the batch; rows come prompt-major (G per prompt). */
  promptIndex: number;
  tokens: number[];
  /** log π_old of each sampled token (the "old" log-probs the ratio is taken against). */
  logProbs: number[];
  text: string;
  /** Stopped on EOS (else ran out of tokens). */
  stopped: boolean;
}

export interface SampleOptions {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  rng: Rng;
}

export interface GrpoPolicy {
  /** The trainable weights by name. */
  readonly params: Map<string, tf.Variable>;
  /** Names of the weights AdamW decays (matrices); none when absent. */
  readonly decayed?: Set<string>;
  /** The longest sequence (prompt + response) the policy scores at once, when it has a limit. */
  readonly maxLen?: number;
  /** G responses for each prompt, prompt-major. */
  sample(prompts: readonly GrpoPrompt[], G: number, opts: SampleOptions): SampledResponse[];
  /**
   * Per-token log-probs [N, R] of responses[i] given prompts[i] (one prompt per response), 0 past
   * each response's end, with the mask [N, R]. Differentiable with respect to `variables`; the
   * caller disposes the result (or calls inside tf.tidy / tf.variableGrads).
   */
  responseLogProbs(prompts: readonly GrpoPrompt[], responses: readonly number[][], temperature: number): { logProbs: tf.Tensor2D; mask: tf.Tensor2D };
}

/** The workbench VLM as a GRPO policy. */
export class VlmPolicy implements GrpoPolicy {
  constructor(
    readonly model: VisionLanguageModel,
    readonly tokenizer: Tokenizer,
    /** Prompts per generation batch (memory bound); default: all at once. */
    readonly generationBatch?: number,
    /** Sample under the tokenizer's box grammar, and score log-probs under the same constraint. */
    readonly boxGrammar = false,
  ) {}

  get params(): Map<string, tf.Variable> {
    return this.model.params;
  }

  get decayed(): Set<string> {
    return this.model.decayed;
  }

  get maxLen(): number {
    return this.model.spec.maxLen;
  }

  sample(prompts: readonly GrpoPrompt[], G: number, opts: SampleOptions): SampledResponse[] {
    const gens = generate(
      this.model,
      this.tokenizer,
      prompts.map((p) => ({ pixels: p.pixels, prompt: p.prompt })),
      { maxNewTokens: opts.maxNewTokens, temperature: opts.temperature, topP: opts.topP, samplesPerPrompt: G, rng: opts.rng, batchSize: this.generationBatch, boxGrammar: this.boxGrammar },
    );
    return gens.map((g) => ({ promptIndex: g.promptIndex, tokens: g.tokens, logProbs: g.logProbs, text: g.text, stopped: g.stopped }));
  }

  responseLogProbs(prompts: readonly GrpoPrompt[], responses: readonly number[][], temperature: number): { logProbs: tf.Tensor2D; mask: tf.Tensor2D } {
    const S = this.model.spec.imageSize;
    const pix = new Float32Array(prompts.length * S * S);
    prompts.forEach((p, i) => pix.set(p.pixels, i * S * S));
    const pixels = tf.tensor3d(pix, [prompts.length, S, S]);
    try {
      return responseLogProbs(this.model, pixels, prompts.map((p) => p.prompt), responses, temperature, this.boxGrammar ? this.tokenizer : undefined);
    } finally {
      pixels.dispose();
    }
  }
}

/** A checkpoint as a policy (decoding under the box grammar when asked); dispose its model when done. */
export function policyFromCheckpoint(dir: string, boxGrammar: boolean): VlmPolicy {
  const { model, tokenizer } = loadModel(dir);
  return new VlmPolicy(model, tokenizer, undefined, boxGrammar);
}

/** A frozen copy of a model's current weights (the reference policy π_ref). */
export function frozenCopy(model: VisionLanguageModel): VisionLanguageModel {
  const copy = new VisionLanguageModel(model.spec, 0);
  for (const [name, v] of model.params) {
    const target = copy.params.get(name);
    if (!target) throw new Error(`frozenCopy: the copy has no parameter '${name}'`);
    target.assign(v);
  }
  return copy;
}
