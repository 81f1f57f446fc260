/**
 * The LLM reasoning synthesizer: prompts a chat model (through the OpenAI-compatible client) with
 * the X-ray, the task prompt, the ground-truth answer and the true regions, as the paper prompted
 * GPT-4.1, using the prompt templates (templates.ts). Its replies go through the same filter as
 * the offline synthesizer's.
 */
import { isAbsolute, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { ChatMessage, ChatModel, ContentPart } from '../llm/client.js';
import { imagePart, textPart } from '../llm/client.js';
import { fillTemplate, type PromptTemplates } from '../data/templates.js';
import { boxesAsText, truthBoxes, type ReasoningSynthesizer, type SynthesisInput, type SynthesisOutput } from './synthesizer.js';

export interface LlmSynthesizerOptions {
  client: ChatModel;
  /** Model name, for the `synthesizer` field of the outputs. */
  model: string;
  templates: PromptTemplates;
  /** Directory that relative image paths are under. */
  imageRoot: string;
  /** Attach the image (false: text-only prompts, e.g. for a text-only model). */
  sendImage?: boolean;
  temperature?: number;
  maxTokens?: number;
}

/** Template variables for one item. */
export function promptVariables(input: SynthesisInput): Record<string, string | number> {
  const { record, study } = input;
  return {
    task: record.task,
    questionType: record.questionType,
    prompt: record.prompt,
    answer: record.answer,
    boxes: boxesAsText(truthBoxes(input)),
    frame: record.frame,
    sex: study?.sex === 'F' ? 'female' : study?.sex === 'M' ? 'male' : 'unknown sex',
    age: study?.age ?? 'unknown',
    view: study?.view ?? 'unknown',
  };
}

export class LlmSynthesizer implements ReasoningSynthesizer {
  readonly name: string;
  constructor(private readonly opts: LlmSynthesizerOptions) {
    this.name = `llm:${opts.model}`;
  }

  messages(input: SynthesisInput): ChatMessage[] {
    const t = this.opts.templates;
    const vars = promptVariables(input);
    const user: ContentPart[] = [];
    if (this.opts.sendImage !== false) {
      const image = input.record.images[0];
      if (image) {
        const path = isAbsolute(image) ? image : join(this.opts.imageRoot, image);
        if (!existsSync(path)) throw new Error(`record ${input.record.id}: image not found: ${path}`);
        user.push(imagePart(path));
      }
    }
    user.push(textPart(fillTemplate(t.synthesis.user, vars, `${t.source}: synthesis.user`)));
    return [
      { role: 'system', content: fillTemplate(t.synthesis.system, vars, `${t.source}: synthesis.system`) },
      { role: 'user', content: user },
    ];
  }

  async synthesize(input: SynthesisInput): Promise<SynthesisOutput> {
    const res = await this.opts.client.chat({
      messages: this.messages(input),
      temperature: this.opts.temperature ?? 0.7,
      maxTokens: this.opts.maxTokens ?? 1024,
    });
    return { recordId: input.record.id, response: res.text, synthesizer: this.name, cached: res.cached };
  }
}
