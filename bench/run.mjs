#!/usr/bin/env node
// `npm run bench`: what users feel, measured. (1) The generator: one scaffold beside bare Node,
// peak memory, every combination rendered in memory. (2) Each generated function: bundle size and
// module init time. (3) Each pattern's runtime cost against real local services, by the drivers in
// bench/runtime/. Writes docs/benchmarks.md; with --quick (fewer runs) or --only <pattern> (one
// pattern's functions and driver) it writes .bench/benchmarks.md instead.
// Benchmarks are not tests: every target is printed with whether it was met; the exit code only
// says whether the benchmarks themselves ran.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../dist/catalog/load.js';
import { combinations } from '../dist/catalog/query.js';
import { generate, repo, serviceEnv, servicesFor, sh, sharedInstall } from '../scripts/matrix.mjs';
import { serviceManager } from '../scripts/services.mjs';
import { benchGenerator, median } from './generator.mjs';
import { machine, renderReport } from './report.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const work = path.join(repo, '.bench');
const log = (msg) => console.error(`bench: ${msg}`);

// The function code of a project does not depend on its IaC tool (the IaC only wires it), so
// functions are measured once per pattern × trigger × store, on the SAM flavour.
const catalog = loadCatalog();
const projects = combinations(catalog).filter((c) => c.iac === 'sam' && (!only || c.pattern === only));
if (projects.length === 0) throw new Error(`no pattern ${only}`);
const dirName = (c) => `${c.pattern}-${c.trigger}-${c.store}`;
// Where each runtime driver runs: the measured path is the pattern core, so one trigger, every store
// for the patterns whose figure is a store's; the gatekeeper's figure keeps the store aside, but its
// handler row differs between the HTTP API and REST API authorizers.
const RUNTIME = {
  'circuit-breaker': (c) => c.trigger === 'http',
  gatekeeper: (c) => c.store === 'dynamodb',
  'queue-leveler': (c) => c.trigger === 'http',
};

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

log('generator...');
const generator = await benchGenerator(quick ? { runs: 10, warmup: 2 } : {});

log(`generating ${projects.length} projects and installing their dependencies once...`);
for (const c of projects) {
  const r = await generate(c, work, dirName(c));
  if (r.code !== 0) throw new Error(`generating ${dirName(c)} failed: ${r.output.slice(0, 400)}`);
}
// tsx runs the drivers (below) as TypeScript; its version comes from the generated projects' table.
const install = await sharedInstall(work, projects.map((c) => path.join(work, dirName(c))), 'bench-shared', { tsx: catalog.versions.tsx });
if (install.code !== 0) throw new Error(`shared install failed, see ${path.join(work, 'install.log')}`);

/** KEY=VALUE lines of the project's .env.example: the configuration its functions start with. */
function exampleEnv(dir) {
  const env = {};
  for (const line of readFileSync(path.join(dir, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env };
}

/** Milliseconds from `import()` of the bundle to its resolution, in a fresh process each time. */
function initTimes(bundle, env, runs) {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${bundle}`)}); console.log(performance.now() - t); process.exit(0);`;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`importing ${bundle} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    times.push(Number(r.stdout.trim()));
  }
  return times;
}

/** The project's direct dependencies that a bundle contains, read from its source map. */
function bundledDependencies(dir, bundle) {
  const deps = Object.keys(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies ?? {});
  const sources = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).sources.join('\n');
  return deps.filter((d) => sources.includes(`node_modules/${d}/`));
}

log('building every function (each project\'s own `npm run build`: esbuild, minified)...');
const functions = [];
for (const c of projects) {
  const dir = path.join(work, dirName(c));
  const r = await sh('npm', ['run', 'build'], { cwd: dir, log: path.join(work, `${dirName(c)}.build.log`) });
  if (r.code !== 0) throw new Error(`building ${dirName(c)} failed, see .bench/${dirName(c)}.build.log`);
  const env = exampleEnv(dir);
  for (const fn of readdirSync(path.join(dir, 'dist'))) {
    const bundle = path.join(dir, 'dist', fn, 'index.mjs');
    const times = initTimes(bundle, env, quick ? 3 : 11);
    functions.push({ project: dirName(c), function: fn, kib: statSync(bundle).size / 1024, initMs: median(times), dependencies: bundledDependencies(dir, bundle) });
  }
}

/**
 * Copies a driver into the project, type-checks it with the project's own settings (a driver that
 * no longer fits the generated code must fail here, not measure something else) and runs it there
 * with tsx: unbundled, so every module keeps its own import.meta.url, as under the project's tests.
 */
async function runDriver(c, services) {
  const dir = path.join(work, dirName(c));
  copyFileSync(path.join(repo, 'bench/runtime', `${c.pattern}.ts`), path.join(dir, 'bench-driver.ts'));
  writeFileSync(path.join(dir, 'tsconfig.bench.json'), JSON.stringify({ extends: './tsconfig.json', include: ['bench-driver.ts'] }));
  const tsc = await sh('npx', ['tsc', '-p', 'tsconfig.bench.json'], { cwd: dir });
  if (tsc.code !== 0) throw new Error(`bench/runtime/${c.pattern}.ts does not type-check in ${dirName(c)}:\n${tsc.output.slice(0, 1500)}`);
  const env = { POWERTOOLS_LOG_LEVEL: 'SILENT', ...(await serviceEnv(services, servicesFor(catalog, c))), ...(quick ? { BENCH_QUICK: '1' } : {}) };
  const r = await sh(process.execPath, ['--import', 'tsx', 'bench-driver.ts'], { cwd: dir, env, log: path.join(work, `${dirName(c)}.driver.log`) });
  const last = r.output.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.code !== 0 || !last) throw new Error(`${dirName(c)} driver failed (exit ${r.code}), see .bench/${dirName(c)}.driver.log`);
  return { project: dirName(c), ...JSON.parse(last) };
}

const services = serviceManager();
const runtime = [];
try {
  for (const c of projects.filter((p) => RUNTIME[p.pattern](p))) {
    log(`runtime: ${dirName(c)}...`);
    runtime.push(await runDriver(c, services));
  }
} finally {
  services.stopAll();
}

const largest = functions.reduce((a, b) => (b.kib > a.kib ? b : a));
const slowest = functions.reduce((a, b) => (b.initMs > a.initMs ? b : a));
const results = { date: new Date().toISOString().slice(0, 10), machine: machine(), quick, generator, functions, runtime, largest, slowest };
const targets = [...generator.targets, ...runtime.flatMap((r) => r.targets.map((t) => ({ ...t, target: `${r.project}: ${t.target}` })))];
writeFileSync(path.join(work, 'results.json'), JSON.stringify(results, null, 2));
const out = quick || only ? path.join(work, 'benchmarks.md') : path.join(repo, 'docs/benchmarks.md');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, renderReport(results));
for (const t of targets) console.log(`${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.value}`);
console.log(`\nbench: ${targets.filter((t) => t.met).length} of ${targets.length} targets met; wrote ${path.relative(repo, out)}`);
