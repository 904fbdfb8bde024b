// Turns the benchmark results into docs/benchmarks.md: machine, method, figures, targets.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function machine() {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0];
    } catch {
      return 'not found';
    }
  };
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {}
  return {
    cpu: `${cpu} × ${os.cpus().length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    os: osName,
    node: process.version,
    services: [`moto ${version('python3', ['-c', 'import moto; print(moto.__version__)'])}`, version('redis-server', ['--version']).split(' ').slice(0, 3).join(' '), version('postgres', ['--version'])].join('; '),
  };
}

const fmt = (v) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : String(v ?? ''));

function table(rows) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  // Numbers right-aligned, text left.
  const align = (c) => (rows.some((r) => typeof r[c] === 'number') ? '---:' : '---');
  return [`| ${cols.join(' | ')} |`, `|${cols.map(align).join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => fmt(r[c])).join(' | ')} |`)].join('\n');
}

const targetRows = (targets) => targets.map((t) => ({ target: t.target, where: t.where ?? 'generator', value: t.value, met: t.met ? 'yes' : '**no**' }));

export function renderReport(r) {
  const g = r.generator;
  const runtimeTargets = r.runtime.flatMap((x) => x.targets.map((t) => ({ ...t, where: x.project })));
  return `# Benchmarks

Written by \`npm run bench\` on ${r.date}${r.quick ? ' (quick mode: fewer runs, not for comparison)' : ''}. Re-run it to refresh;
nothing here is typed by hand. Benchmarks are not tests: no figure here fails the test suite.

## Machine

| | |
|---|---|
| CPU | ${r.machine.cpu} |
| memory | ${r.machine.memory} |
| OS | ${r.machine.os} |
| Node.js | ${r.machine.node} |
| services | ${r.machine.services} |

## Targets

${table(targetRows([...g.targets, ...runtimeTargets]))}

## The generator

Method: one non-interactive scaffold of \`${g.combo}\` into a new directory, as a whole process
(\`node bin/create-serverless-pattern.cjs <dir> --pattern … --iac …\`, \`CI=true\`), ${g.runs} runs after
${g.warmup} warm-up runs, interleaved with \`node -e 0\`, the same scaffold with \`--dry-run\` (all but the
writing) and a process that only writes the same ${g.sampleFiles} files (one \`mkdir -p\` per file, like a
copy-only scaffolder), so all four see the same machine state; medians.
Peak memory is the largest maximum resident set size (GNU time) of 3 runs. Rendering all combinations
runs in one process, templates compiled once, nothing written.

| measure | value |
|---|---:|
| scaffold, median | ${g.scaffoldMedianMs.toFixed(1)} ms |
| \`node -e 0\`, median | ${g.nodeMedianMs.toFixed(1)} ms |
| scaffold over bare Node | ${g.overheadMs.toFixed(1)} ms |
| scaffold with \`--dry-run\` (render and check, no writing), over bare Node | ${(g.dryRunMedianMs - g.nodeMedianMs).toFixed(1)} ms |
| a process that only writes the same ${g.sampleFiles} files, over bare Node | ${(g.writeOnlyMedianMs - g.nodeMedianMs).toFixed(1)} ms |
| \`--version\`, median | ${g.versionMedianMs.toFixed(1)} ms |
| peak memory (RSS) | ${g.peakRssMb.toFixed(1)} MB |
| render all ${g.combinations} combinations (${g.files.toLocaleString('en-US')} files) in memory | ${g.renderAllMs.toFixed(0)} ms |

## Generated code at run time

Each pattern's driver (\`bench/runtime/<pattern>.ts\`) is copied into a generated project,
type-checked with the project's settings and run there (tsx, one Node.js process) against the
services the project's integration tests use, started on loopback by the bench
(\`scripts/services.mjs\`). The drivers check every measured outcome and stop on a wrong one.
Local services answer in tens to hundreds of microseconds: absolute figures are far below what
AWS's network adds, so the comparisons within one table are what count.

${r.runtime
  .map(
    (x) => `### ${x.name}: ${x.project}

${table(x.rows)}

${x.notes.map((n) => `- ${n}`).join('\n')}
`,
  )
  .join('\n')}
## Generated functions: bundle size and init time

Every pattern × trigger × store, built by the project's own \`npm run build\` (esbuild, minified,
AWS SDK bundled; the IaC tool does not change the function code). Size is the \`index.mjs\`
without its source map; the last column lists which of the project's dependencies the bundle
contains (from its source map), so a function that pulls in what it does not use shows. Init time is the median, over ${r.quick ? 3 : 11} fresh processes, of the time
\`await import()\` of the bundle takes (module evaluation: clients and configuration built at
init; no network), with the project's \`.env.example\` as configuration.
Largest: ${r.largest.project}/${r.largest.function} (${r.largest.kib.toFixed(0)} KiB); slowest init:
${r.slowest.project}/${r.slowest.function} (${r.slowest.initMs.toFixed(1)} ms).

${table(r.functions.map((f) => ({ project: f.project, function: f.function, 'size KiB': Math.round(f.kib), 'init ms': f.initMs, 'dependencies in the bundle': f.dependencies.map((d) => d.replace('@aws-lambda-powertools/', 'powertools/')).join(', ') })))}
`;
}
