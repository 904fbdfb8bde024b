#!/usr/bin/env node
// Build step: bundle the CLI (and its dependencies) into dist/bundle/, so a run loads a handful
// of files instead of hundreds of modules. @inquirer/prompts lands in its own chunk, loaded only
// when a prompt is shown. The handlebars compiler stays outside: it is needed only for a template
// whose precompiled form is missing or stale (see src/render/engine.ts).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: "import { createRequire as __cspRequire } from 'node:module'; const require = __cspRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
