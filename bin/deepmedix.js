#!/usr/bin/env node
// `npx deepmedix …`: run the TypeScript CLI through tsx's ESM loader (no build step).
import { register } from 'tsx/esm/api';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.DEEPMEDIX_ROOT ??= resolve(dirname(fileURLToPath(import.meta.url)), '..');
register();
await import('../src/cli.ts');
