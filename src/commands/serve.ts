/** `deepmedix serve`: a checkpoint behind an OpenAI-compatible chat-completions API on 127.0.0.1. */
import { initBackend } from '../backend.js';
import { CHECKPOINT_FILE, hasCheckpoint } from '../model/checkpoint.js';
import { ModelEngine } from '../serve/engine.js';
import { isLoopbackHost, startServer } from '../serve/server.js';
import { existsSync, statSync } from 'node:fs';
import { countFlag, numberFlag, parseArgs, requireFlag, stringFlag, UsageError } from './args.js';
import type { Command } from './types.js';

export const command: Command = {
  name: 'serve',
  summary: 'serve a checkpoint through an OpenAI-compatible chat-completions API (127.0.0.1)',
  usage: `Usage: deepmedix serve --checkpoint DIR [--port N] [--host 127.0.0.1] [--name NAME] [--image-root DIR] [--allow-remote]

Serves POST /v1/chat/completions (one user message: text parts + one image_url part holding a
data: URL, or a file path under --image-root; temperature, top_p, max_tokens, n, seed), GET /v1/models
and GET /health. Requests must name this server as Host (127.0.0.1:PORT, localhost:PORT) and come
from no other web page (Origin); with DEEPMEDIX_SERVE_API_KEY set, they need Authorization: Bearer KEY. Generations run one at a time; further requests queue (503 beyond --max-queue).
Prints the base URL, e.g. for: deepmedix predict --endpoint URL --model NAME ...
  --port N          port (default 8000; 0 picks a free one)
  --host H          address to bind (default 127.0.0.1); other than loopback needs --allow-remote
  --name NAME       model name in /v1/models and replies (default: the checkpoint directory's name)
  --image-root DIR  also accept image file paths under DIR (default: data: URLs only)
  --max-queue N     requests allowed to wait (default 64)
  --max-n N         largest n per request (default 16)
  --quiet           no request log
Stop with Ctrl-C.`,
  flags: { values: ['checkpoint', 'host', 'image-root', 'max-n', 'max-queue', 'name', 'port'], booleans: ['allow-remote', 'quiet'] },
  async run(argv) {
    const args = parseArgs(argv, command.flags);
    const dir = requireFlag(args, 'checkpoint');
    const host = stringFlag(args, 'host', '127.0.0.1')!;
    if (!isLoopbackHost(host) && !args.flags['allow-remote']) {
      throw new UsageError(`--host ${host} is not a loopback address; add --allow-remote to expose the model (and images sent to it) on a network`);
    }
    const port = numberFlag(args, 'port', 8000, { min: 0, max: 65535, integer: true })!;
    const imageRoot = stringFlag(args, 'image-root');
    if (imageRoot !== undefined && !(existsSync(imageRoot) && statSync(imageRoot).isDirectory())) throw new UsageError(`--image-root ${imageRoot} is not a directory`);
    const apiKey = process.env.DEEPMEDIX_SERVE_API_KEY || null;
    if (args.flags['allow-remote'] && !apiKey) console.error('warning: --allow-remote without DEEPMEDIX_SERVE_API_KEY: anyone who can reach the port can use the model');
    if (!hasCheckpoint(dir)) throw new UsageError(`--checkpoint ${dir}: no ${CHECKPOINT_FILE} there (train one with 'deepmedix train' first)`);
    await initBackend();
    const engine = ModelEngine.fromCheckpoint(dir, { name: stringFlag(args, 'name'), maxQueue: numberFlag(args, 'max-queue', 64, { min: 0, integer: true }) });
    const quiet = Boolean(args.flags.quiet);
    const srv = await startServer(engine, {
      host,
      port,
      allowRemote: Boolean(args.flags['allow-remote']),
      maxN: countFlag(args, 'max-n', 16),
      imageRoot: imageRoot ?? null,
      apiKey,
      log: quiet ? undefined : (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    }).catch((e: NodeJS.ErrnoException) => {
      engine.dispose();
      if (e.code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is in use; pick another with --port N (0 = any free port)`);
      throw e;
    });
    console.log(`serving ${engine.name} (${engine.fingerprint}) at ${srv.baseUrl}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void srv.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    engine.dispose();
    return 0;
  },
};
