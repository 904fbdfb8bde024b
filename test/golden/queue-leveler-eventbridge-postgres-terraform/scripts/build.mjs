// Bundles each Lambda entry into dist/<function>/index.mjs.
//
// The AWS SDK is BUNDLED, not external: the nodejs24.x runtime ships an SDK, but its
// version moves under you. Bundling ships the exact, tested version pinned in package.json
// and tree-shaking keeps only the clients the function uses.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

/** One entry per Lambda function; the key is the dist/ folder name. */
const functions = {
  "worker": "src/handlers/worker.ts",
};

await rm('dist', { recursive: true, force: true });

for (const [name, entry] of Object.entries(functions)) {
  const result = await build({
    entryPoints: [entry],
    outfile: `dist/${name}/index.mjs`,
    bundle: true,
    platform: 'node',
    target: 'node24', // matches the Lambda runtime nodejs24.x
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    mainFields: ['module', 'main'],
    // Some bundled CommonJS dependencies call require(); ESM output needs one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`built dist/${name}/index.mjs (${(bytes / 1024).toFixed(0)} KiB with sourcemap)`);
}
