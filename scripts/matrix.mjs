// Generating catalog combinations into a work folder and installing them once, shared by the
// verification harness (scripts/verify.mjs) and the benchmarks (bench/run.mjs).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findUnit } from '../dist/catalog/query.js';

export const repo = fileURLToPath(new URL('..', import.meta.url));
/** The built CLI, run as a user runs it. */
export const bin = path.join(repo, 'bin/create-serverless-pattern.cjs');

/** Runs a command without a shell; resolves with its exit code, merged output and duration. */
export function sh(command, argv, { cwd, env = {}, log }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, argv, { cwd, env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => (output += `\n${e.message}`));
    child.on('close', (code) => {
      if (log) writeFileSync(log, output);
      resolve({ code: code ?? 1, output, ms: Date.now() - started });
    });
  });
}

/** Generates one combination into `work/<dirName>` with the built CLI, as a user would. */
export function generate(c, work, dirName) {
  const flags = ['--pattern', c.pattern, '--trigger', c.trigger, '--store', c.store, '--iac', c.iac];
  return sh(process.execPath, [bin, dirName, ...flags, '--no-interactive', '--json'], { cwd: work });
}

/**
 * One install for many generated projects: the union of their package.json dependencies in
 * `work/package.json` (versions come from one table, so they agree); each project resolves its
 * imports from `work/node_modules`.
 */
export async function sharedInstall(work, projectDirs, name, extraDevDependencies = {}) {
  const union = { dependencies: {}, devDependencies: { ...extraDevDependencies } };
  for (const dir of projectDirs) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(union.dependencies, pkg.dependencies);
    Object.assign(union.devDependencies, pkg.devDependencies);
  }
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name, private: true, type: 'module', ...union }, null, 2));
  return sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, log: path.join(work, 'install.log') });
}

/**
 * The local services a combination's integration tests need, as its units' manifests declare them
 * (the store's backend; a pattern may add its own, e.g. the queue leveler's SQS on moto).
 */
export function servicesFor(catalog, c) {
  const needs = new Set();
  for (const kind of ['pattern', 'trigger', 'store']) {
    const manifest = JSON.parse(readFileSync(path.join(findUnit(catalog, kind, c[kind]).dir, 'manifest.json'), 'utf8'));
    for (const name of manifest.services ?? []) needs.add(name);
  }
  return [...needs];
}

/** Starts (once per manager) and resets each named service; resolves with their merged env. */
export async function serviceEnv(services, names) {
  const env = {};
  for (const name of names) {
    const service = await services.get(name);
    await service.reset?.();
    Object.assign(env, service.env);
  }
  return env;
}
