#!/usr/bin/env node
// Build step: bundle the CLI and its dependencies into dist/bundle/, so a run loads two files
// instead of hundreds of modules. Start-up time is what this is for (docs/benchmarks.md):
// - cli.cjs is CommonJS: Node's CJS loader, and `require` of built-ins, start faster than ESM
//   (about 10 ms per run measured here);
// - @inquirer/prompts goes to its own ESM file, prompts.mjs, imported only when a prompt is shown;
// - commander's child_process (for git-style subcommands, which we do not use) is loaded on
//   first use instead of at start-up;
// - chalk's own colour detection (node:tty and more) is replaced by a stub: src/ui/color.ts
//   decides the level and always passes it;
// - the handlebars compiler stays outside: it is needed only for a template whose precompiled
//   form is missing or stale (see src/render/engine.ts).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const common = { bundle: true, platform: 'node', target: 'node20', minify: true, keepNames: true, legalComments: 'none', logLevel: 'warning' };
const lazyChildProcess = fileURLToPath(new URL('./lazy-child-process.cjs', import.meta.url));
const noColorDetection = fileURLToPath(new URL('./no-color-detection.mjs', import.meta.url));

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/bundle/cli.cjs',
  format: 'cjs',
  // The sources are ESM; in the CJS bundle import.meta.url is this file's URL.
  define: { 'import.meta.url': '__cspModuleUrl' },
  banner: { js: 'const __cspModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [
    {
      name: 'lazy-start',
      setup(b) {
        b.onResolve({ filter: /^@inquirer\/prompts$/ }, () => ({ path: './prompts.mjs', external: true }));
        b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer) ? { path: lazyChildProcess } : undefined));
        b.onResolve({ filter: /^#supports-color$/ }, (args) => (/[\\/]chalk[\\/]/.test(args.importer) ? { path: noColorDetection } : undefined));
      },
    },
  ],
});
await build({
  ...common,
  entryPoints: { prompts: '@inquirer/prompts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  banner: { js: "import { createRequire as __cspRequire } from 'node:module'; const require = __cspRequire(import.meta.url);" },
});
