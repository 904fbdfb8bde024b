// Generator benchmarks: whole-process wall time of one non-interactive scaffold beside `node -e 0`
// (same run, interleaved), the same with --dry-run (everything but the writing), and a process that
// only writes the scaffold's files (what a copy-only scaffolder pays on this disk); peak RSS;
// rendering every valid combination in memory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin } from '../scripts/matrix.mjs';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), CI: 'true' };

function timed(args, cwd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function listFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Peak RSS in MB of one run, read by GNU time (-f %M is in KiB). */
function peakMb(args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { cwd, env, encoding: 'utf8' });
  const kib = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kib) ? kib / 1024 : NaN;
}

export async function benchGenerator({ runs = 30, warmup = 3 } = {}) {
  const { loadCatalog } = await import('../dist/catalog/load.js');
  const { combinations } = await import('../dist/catalog/query.js');
  const catalog = loadCatalog();
  const [combo] = combinations(catalog);
  const flags = ['--pattern', combo.pattern, '--trigger', combo.trigger, '--store', combo.store, '--iac', combo.iac];
  const cwd = mkdtempSync(path.join(tmpdir(), 'csp-bench-'));
  // The files of one scaffold, for the write-only process: one mkdir per directory, one write per file.
  timed([bin, 'sample', ...flags], cwd);
  const sample = listFiles(path.join(cwd, 'sample')).map((rel) => [rel, readFileSync(path.join(cwd, 'sample', rel), 'utf8')]);
  const sampleFile = path.join(cwd, 'sample.json');
  writeFileSync(sampleFile, JSON.stringify(sample));
  const writeOnly = `const fs = require('node:fs'), path = require('node:path'); const root = process.argv[1];
    for (const [rel, text] of JSON.parse(fs.readFileSync(${JSON.stringify(sampleFile)}, 'utf8'))) {
      const file = path.join(root, rel); fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, text); }`;
  const scaffold = [];
  const bare = [];
  const dry = [];
  const writes = [];
  let n = 0;
  for (let i = 0; i < warmup + runs; i++) {
    const b = timed(['-e', '0'], cwd);
    const s = timed([bin, `app-${n++}`, ...flags], cwd);
    const d = timed([bin, `app-${n++}`, ...flags, '--dry-run'], cwd);
    const w = timed(['-e', writeOnly, path.join(cwd, `copy-${i}`)], cwd);
    if (i >= warmup) {
      bare.push(b);
      scaffold.push(s);
      dry.push(d);
      writes.push(w);
    }
  }
  const peaks = [0, 1, 2].map(() => peakMb([bin, `app-${n++}`, ...flags], cwd));
  const help = [];
  for (let i = 0; i < 10; i++) help.push(timed([bin, '--version'], cwd));
  rmSync(cwd, { recursive: true, force: true });

  // Every valid combination rendered in memory in one process (templates compiled once).
  const { renderProject } = await import('../dist/render/render.js');
  const all = combinations(catalog);
  const start = process.hrtime.bigint();
  let files = 0;
  for (const c of all) files += renderProject(catalog, { ...c, name: 'bench', stackName: 'bench', runtime: 'nodejs24.x' }, '0.0.0').length;
  const renderAllMs = Number(process.hrtime.bigint() - start) / 1e6;

  const result = {
    combo: Object.values(combo).join(' × '),
    runs,
    warmup,
    scaffoldMedianMs: median(scaffold),
    nodeMedianMs: median(bare),
    overheadMs: median(scaffold) - median(bare),
    dryRunMedianMs: median(dry),
    writeOnlyMedianMs: median(writes),
    sampleFiles: sample.length,
    versionMedianMs: median(help),
    peakRssMb: Math.max(...peaks),
    combinations: all.length,
    files,
    renderAllMs,
  };
  result.targets = [
    { target: 'scaffold ≤ 40 ms over bare node (median)', met: result.overheadMs <= 40, value: `${result.overheadMs.toFixed(1)} ms` },
    { target: 'peak memory ≤ 60 MB', met: result.peakRssMb <= 60, value: `${result.peakRssMb.toFixed(1)} MB` },
    { target: `render all ${all.length} combinations < 1 s`, met: renderAllMs < 1000, value: `${renderAllMs.toFixed(0)} ms` },
  ];
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchGenerator();
  console.log(JSON.stringify(r, null, 2));
}
