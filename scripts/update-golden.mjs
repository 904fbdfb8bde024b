#!/usr/bin/env node
// The only way golden files change: regenerate every case in test/golden/cases.json with the
// built CLI, replace test/golden/<case>/, then read `git diff test/golden` before committing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import fse from 'fs-extra';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin, repo } from './matrix.mjs';

const cases = JSON.parse(readFileSync(path.join(repo, 'test/golden/cases.json'), 'utf8'));
for (const c of cases) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'csp-golden-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync(process.execPath, [bin, ...c.args, '--no-interactive', '--json'], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`${c.name}: generation failed (exit ${r.status})\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  const dest = path.join(repo, 'test/golden', c.name);
  await fse.emptyDir(dest);
  await fse.copy(path.join(cwd, c.args[0]), dest);
  await fse.remove(cwd);
  console.log(`updated test/golden/${c.name}`);
}
console.log('\nNow read every change before committing:  git diff --stat test/golden && git diff test/golden');
