#!/usr/bin/env node
// `npx deepmedix …`: run the TypeScript CLI through tsx's ESM loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
