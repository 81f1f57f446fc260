/**
 * `deepmedix predict --endpoint URL [--model NAME]`: the endpoint mode of `predict`
 * (src/commands/predict.ts asks here for the predictions when --endpoint is given).
 */
import type { InstructionRecord } from '../data/types.js';
import type { Prediction } from '../eval/predict.js';
import { predictWithEndpoint } from '../eval/predict-endpoint.js';
import { ChatClient } from '../llm/client.js';
import { countFlag, numberFlag, requireFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';

export const ENDPOINT_USAGE = `Endpoint mode (any OpenAI-compatible server: deepmedix serve, vLLM, …):
  deepmedix predict --endpoint URL [--model NAME] --benchmark BENCH --out PRED.jsonl [--concurrency N]
                    [--temperature T] [--timeout SECONDS] [--allow-external-images]
  URL is the API base (e.g. http://127.0.0.1:8000/v1; a bare host:port gets /v1). --model defaults
  to the endpoint's only model (GET /models). Each record's first image goes as a data: URL with its
  prompt; answers are appended as they come and a rerun skips ids already in PRED.jsonl.
  --concurrency N      requests in flight (default 4)
  --temperature T      default 0 (greedy)
  --timeout SECONDS    per request attempt (default 600)
  --allow-external-images  send images to a non-local endpoint (check your data's licence first)
  The API key, if the endpoint needs one, comes from DEEPMEDIX_API_KEY or OPENAI_API_KEY.`;

/** The API base URL: a bare `http://host:port` gets `/v1`. */
export function normalizeEndpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--endpoint '${url}' is not a URL (e.g. http://127.0.0.1:8000/v1)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--endpoint '${url}' must be http:// or https://`);
  const base = url.replace(/\/+$/, '');
  return u.pathname === '/' || u.pathname === '' ? `${base}/v1` : base;
}

/** The endpoint's only model, from GET /models. */
async function onlyModel(baseUrl: string): Promise<string> {
  let ids: string[];
  try {
    const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(30000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { data?: { id?: unknown }[] };
    ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch (e) {
    throw new UsageError(`--model not given and ${baseUrl}/models could not be read (${(e as Error).message}); pass --model NAME`);
  }
  if (ids.length !== 1) throw new UsageError(`--model not given and ${baseUrl}/models lists ${ids.length} models (${ids.slice(0, 5).join(', ')}); pass --model NAME`);
  return ids[0];
}

/** Predictions of the endpoint named by --endpoint (and --model) on the records, appended to `out` as they come. */
export async function endpointPredictions(args: ParsedArgs, records: readonly InstructionRecord[], imageRoot: string, out: string): Promise<{ name: string; predictions: Prediction[] }> {
  if (args.flags.checkpoint !== undefined) throw new UsageError('give either --checkpoint or --endpoint, not both');
  const baseUrl = normalizeEndpoint(requireFlag(args, 'endpoint'));
  const model = stringFlag(args, 'model') ?? (await onlyModel(baseUrl));
  const concurrency = countFlag(args, 'concurrency', 4);
  const client = new ChatClient({
    baseUrl,
    model,
    timeoutMs: numberFlag(args, 'timeout', 600, { min: 1 })! * 1000,
    concurrency,
    allowExternalImages: Boolean(args.flags['allow-external-images']),
    cachePath: null,
  });
  const res = await predictWithEndpoint(client, records, {
    imageRoot,
    out,
    temperature: numberFlag(args, 'temperature', 0, { min: 0 }),
    maxTokens: countFlag(args, 'max-new-tokens'),
    concurrency,
    quiet: Boolean(args.flags.quiet),
  });
  console.log(`${model} at ${baseUrl}: ${res.requested} requested, ${res.resumed} resumed`);
  return { name: model, predictions: res.predictions };
}
