/**
 * Prompt templates as data: the synthesis prompt (system + user), the judge prompt and the answer
 * format instruction used in training. The default file is `src/data/templates/default.json`;
 * a user may supply their own file with the same fields. Placeholders are `{{name}}`.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PROJECT_ROOT } from '../util/paths.js';
import type { InstructionRecord } from './types.js';

export interface PromptPair {
  system: string;
  user: string;
}

export interface PromptTemplates {
  version: number;
  /** Appended to a task prompt to ask for `<think>` reasoning with boxes and a `\boxed{}` answer. */
  formatInstruction: string;
  synthesis: PromptPair;
  judge: PromptPair;
  /** Where the templates came from (file path). */
  source: string;
}

export const DEFAULT_TEMPLATES_PATH = join(PROJECT_ROOT, 'src', 'data', 'templates', 'default.json');

/** A templates path from the config: '' = the default file; relative paths are under the project root. */
export function templatesPath(configured: string): string {
  if (!configured) return DEFAULT_TEMPLATES_PATH;
  return isAbsolute(configured) ? configured : join(PROJECT_ROOT, configured);
}

/** Load and check a templates file; a missing or mistyped field is an error naming the file and field. */
export function loadTemplates(path: string = DEFAULT_TEMPLATES_PATH): PromptTemplates {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read prompt templates (${(e as Error).message})`);
  }
  const need = (obj: unknown, field: string): string => {
    const v = field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`${path}: field '${field}' must be a non-empty string`);
    return v;
  };
  return {
    version: typeof (raw as { version?: unknown })?.version === 'number' ? (raw as { version: number }).version : 1,
    formatInstruction: need(raw, 'formatInstruction'),
    synthesis: { system: need(raw, 'synthesis.system'), user: need(raw, 'synthesis.user') },
    judge: { system: need(raw, 'judge.system'), user: need(raw, 'judge.user') },
    source: path,
  };
}

/** Replace each `{{name}}`; a placeholder with no value is an error naming it. */
export function fillTemplate(template: string, vars: Record<string, string | number>, where = 'template'): string {
  return template.replace(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`${where}: no value for placeholder {{${name}}} (known: ${Object.keys(vars).join(', ')})`);
    return String(vars[name]);
  });
}

/** The task prompt followed by the training format instruction. */
export function withFormatInstruction(prompt: string, templates: PromptTemplates, frame: number): string {
  return `${prompt.trimEnd()}\n${fillTemplate(templates.formatInstruction, { frame }, `${templates.source}: formatInstruction`)}`;
}

/** The templates a config names (`synthesis.templates`): the one way every stage loads them. */
export function configuredTemplates(config: { synthesis: { templates: string } }): PromptTemplates {
  return loadTemplates(templatesPath(config.synthesis.templates));
}

/** Instruction records with the training format instruction appended to their prompts (same ids). */
export function withFormatPrompts<T extends InstructionRecord>(records: readonly T[], templates: PromptTemplates): T[] {
  return records.map((r) => ({ ...r, prompt: withFormatInstruction(r.prompt, templates, r.frame) }));
}
