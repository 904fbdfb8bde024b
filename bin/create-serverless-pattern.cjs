#!/usr/bin/env node
// Thin launcher: all logic and every exit code live in the bundled CLI (src/cli.ts). CommonJS,
// like the bundle, because Node starts CommonJS faster than ESM.
const { main } = require('../dist/bundle/cli.cjs');

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
