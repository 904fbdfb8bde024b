#!/usr/bin/env node
// Thin launcher: all logic and every exit code live in dist/cli.js.
import { main } from '../dist/bundle/cli.js';

process.exitCode = await main(process.argv.slice(2));
