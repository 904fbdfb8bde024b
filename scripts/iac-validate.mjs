// IaC validators used by the verification harness, one per IaC unit, run by the real tools.
// A validator returns { status, detail, partial? }: `partial` marks a pass where some checks
// could not run on this machine (the table shows pass*, the detail says which and why).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin } from './matrix.mjs';

const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const firstLines = (text, n = 3) =>
  text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.replace(/^[│╷╵\s]+/, '').trim())
    .filter(Boolean)
    .slice(0, n)
    .join(' | ');

/** SAM: cfn-lint (with the SAM translator) must report nothing at all: no error, no warning. */
async function sam(dir, { sh, log }) {
  const r = await sh('cfn-lint', ['template.yaml'], { cwd: dir, log });
  if (r.code === 0 && r.output.trim() === '') return { status: 'pass', detail: `cfn-lint clean in ${secs(r.ms)}` };
  return { status: 'fail', detail: `cfn-lint exit ${r.code}: ${firstLines(r.output)}` };
}

/**
 * CDK: `cdk synth` offline and without credentials (the stack is environment-agnostic, no context
 * lookups; NodejsFunction bundles with the local esbuild), with no CDK warning (construct annotations
 * or its built-in CloudFormation validation); then cfn-lint on every
 * synthesized template must report nothing but W3005 (CDK states DependsOn that Ref/GetAtt imply).
 */
async function cdk(dir, { sh, log }) {
  const out = path.join(dir, 'cdk.out');
  rmSync(out, { recursive: true, force: true });
  const env = { CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' };
  const synth = await sh('npx', ['cdk', 'synth', '--no-notices'], { cwd: dir, env, log: log.replace(/\.log$/, '.synth.log') });
  if (synth.code !== 0) return { status: 'fail', detail: `cdk synth exit ${synth.code}: ${synth.output.trim().split('\n').slice(-3).join(' | ')}` };
  // Construct annotations ("[Warning at /Stack/...]") and the built-in CloudFormation validation ("WARNING W1030 ...").
  const warnings = synth.output.split('\n').filter((l) => /\[(Warning|Error) at |^(WARNING|ERROR)\b/.test(l));
  if (warnings.length > 0) return { status: 'fail', detail: `cdk synth warnings: ${warnings.slice(0, 3).join(' | ')}` };
  let templates = [];
  try {
    templates = readdirSync(out).filter((f) => f.endsWith('.template.json')).map((f) => path.join('cdk.out', f));
  } catch {}
  if (templates.length === 0) return { status: 'fail', detail: 'cdk synth wrote no template to cdk.out' };
  const lint = await sh('cfn-lint', ['--ignore-checks', 'W3005', '--', ...templates], { cwd: dir, log });
  if (lint.code === 0 && lint.output.trim() === '') return { status: 'pass', detail: `synth ${secs(synth.ms)}, cfn-lint clean (${templates.length} template) in ${secs(lint.ms)}` };
  return { status: 'fail', detail: `cfn-lint exit ${lint.code}: ${firstLines(lint.output)}` };
}

// --- Terraform ----------------------------------------------------------------------------------
// The registry is unreachable here; these machines ship a filesystem mirror of hashicorp/aws.
// It is found at run time (known places first, then a bounded search) and used through a CLI
// config file of our own: TF_CLI_CONFIG_FILE may point at a file that does not exist.

// VERIFY_TF_MIRROR=<dir> names the mirror; VERIFY_TF_MIRROR=none shows what runs without one.
const MIRROR_CANDIDATES = [
  process.env.VERIFY_TF_MIRROR,
  '/opt/tf-plugins',
  '/usr/share/terraform/plugins',
  '/usr/local/share/terraform/plugins',
  path.join(process.env.HOME ?? '/root', '.terraform.d/plugins'),
  path.join(process.env.HOME ?? '/root', '.local/share/terraform/plugins'),
].filter(Boolean);

let mirrorLookup;

/** { dir, versions, cliConfig } or { reason } when no mirror holds hashicorp/aws. Looked up once. */
function findMirror(sh) {
  mirrorLookup ??= (async () => {
    if (process.env.VERIFY_TF_MIRROR === 'none') return { reason: 'no provider mirror (VERIFY_TF_MIRROR=none)' };
    const holdsAws = (root) => existsSync(path.join(root, 'registry.terraform.io/hashicorp/aws'));
    let dir = MIRROR_CANDIDATES.find(holdsAws);
    if (!dir) {
      const r = await sh('find', ['/', '-maxdepth', '4', '-type', 'd', '-name', 'registry.terraform.io'], {});
      dir = r.output
        .split('\n')
        .map((l) => path.dirname(l.trim()))
        .find((d) => d !== '.' && holdsAws(d));
    }
    if (!dir) return { reason: `no filesystem mirror of hashicorp/aws (looked in ${MIRROR_CANDIDATES.join(', ')} and find / -maxdepth 4)` };
    const versions = readdirSync(path.join(dir, 'registry.terraform.io/hashicorp/aws'));
    const cliConfig = path.join(mkdtempSync(path.join(tmpdir(), 'verify-tf-')), 'terraformrc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(dir)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
    );
    process.on('exit', () => rmSync(path.dirname(cliConfig), { recursive: true, force: true }));
    return { dir, versions, cliConfig };
  })();
  return mirrorLookup;
}

/** fmt -check, then (with a mirror) init, validate and the offline tests; stops at the first failure. */
async function terraformChecks(project, sh, log, mirror) {
  const cwd = path.join(project, 'terraform');
  const env = { TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', NO_COLOR: '1', ...(mirror.cliConfig ? { TF_CLI_CONFIG_FILE: mirror.cliConfig } : {}) };
  const steps = [['fmt', ['fmt', '-check', '-recursive', '-diff', '-no-color']]];
  if (mirror.cliConfig) {
    steps.push(['init', ['init', '-backend=false', '-input=false', '-no-color']], ['validate', ['validate', '-no-color']], ['test', ['test', '-no-color']]);
  }
  const times = [];
  let output = '';
  for (const [name, argv] of steps) {
    const r = await sh('terraform', argv, { cwd, env });
    output += `$ terraform ${argv.join(' ')}   (${secs(r.ms)}, exit ${r.code})\n${r.output}\n`;
    writeFileSync(log, output);
    if (r.code !== 0) {
      const unsatisfiable = name === 'init' && /no available releases match|does not match any of the versions|Failed to query available provider packages/i.test(r.output);
      return { ok: false, unsatisfiable, times, failed: name, detail: `terraform ${name} exit ${r.code}: ${firstLines(r.output)}` };
    }
    times.push(`${name} ${secs(r.ms)}`);
  }
  return { ok: true, times };
}

/** `npm run package` after `npm run build`: the zips exist and are byte-identical when repeated. */
async function packageCheck(project, sh) {
  const build = await sh('npm', ['run', 'build'], { cwd: project });
  if (build.code !== 0) return { ok: false, detail: `npm run build exit ${build.code}: ${firstLines(build.output)}` };
  const zips = () => readdirSync(path.join(project, 'dist')).filter((f) => f.endsWith('.zip')).sort().map((f) => [f, readFileSync(path.join(project, 'dist', f))]);
  const first = await sh('npm', ['run', 'package'], { cwd: project });
  if (first.code !== 0) return { ok: false, detail: `npm run package exit ${first.code}: ${firstLines(first.output)}` };
  const a = zips();
  await sh('npm', ['run', 'package'], { cwd: project });
  const b = zips();
  if (a.length === 0) return { ok: false, detail: 'npm run package wrote no dist/*.zip' };
  if (a.some(([f, bytes], i) => b[i]?.[0] !== f || !bytes.equals(b[i][1]))) return { ok: false, detail: 'npm run package is not reproducible (zip bytes differ between two runs)' };
  return { ok: true, detail: `package ${secs(first.ms)} (${a.map(([f, bytes]) => `${f} ${(bytes.length / 1024).toFixed(0)} KiB`).join(', ')}, reproducible)` };
}

/**
 * The runtime whose provider line the local mirror can serve: nodejs24.x projects need
 * hashicorp/aws 6.x, the mirror here has 5.100.0 only; nodejs22.x projects use ~> 5.0.
 */
const FALLBACK_RUNTIME = 'nodejs22.x';

/** Terraform: fmt, init, validate, test (mocked provider, offline), plus the Lambda zip step. */
async function terraform(dir, { sh, log }) {
  const mirror = await findMirror(sh);
  // Terraform first, before any dist/ exists: validate and the tests must not need the zip.
  const main = await terraformChecks(dir, sh, log, mirror);
  const pkg = main.ok || main.unsatisfiable ? await packageCheck(dir, sh) : { ok: true };
  if (!pkg.ok) return { status: 'fail', detail: pkg.detail };
  if (!mirror.cliConfig) {
    if (!main.ok) return { status: 'fail', detail: main.detail };
    return { status: 'pass', partial: true, detail: `ONLY terraform fmt -check ran (${main.times.join(', ')}): ${mirror.reason}; init, validate and test were NOT run. ${pkg.detail}` };
  }
  if (main.ok) return { status: 'pass', detail: `${main.times.join(', ')}; ${pkg.detail}; mirror ${mirror.dir} (aws ${mirror.versions.join(', ')})` };
  if (!main.unsatisfiable) return { status: 'fail', detail: `${main.detail} (see ${path.basename(log)})` };

  // The project's provider constraint has no version in the mirror (nodejs24.x needs aws 6.x).
  // Its fmt passed; render the same answers with the other runtime and run everything there.
  const answers = JSON.parse(readFileSync(path.join(dir, '.serverless-pattern.json'), 'utf8')).answers;
  const variant = `${dir}--${FALLBACK_RUNTIME}`;
  const gen = await sh(process.execPath, [bin, path.basename(variant), '--name', answers.name, '--pattern', answers.pattern, '--trigger', answers.trigger, '--store', answers.store, '--iac', answers.iac, '--runtime', FALLBACK_RUNTIME, '--no-interactive', '--force'], { cwd: path.dirname(dir) });
  if (gen.code !== 0) return { status: 'fail', detail: `cannot render the ${FALLBACK_RUNTIME} variant: ${firstLines(gen.output)}` };
  const other = await terraformChecks(variant, sh, log.replace(/\.log$/, `.${FALLBACK_RUNTIME}.log`), mirror);
  if (!other.ok) return { status: 'fail', detail: `${answers.runtime} project: fmt ok, init impossible with the mirror (aws ${mirror.versions.join(', ')}); ${FALLBACK_RUNTIME} variant: ${other.detail}` };
  return {
    status: 'pass',
    partial: true,
    detail: `${answers.runtime} project: ${main.times.join(', ')}; init/validate/test NOT run on it: its hashicorp/aws constraint has no version in the mirror (aws ${mirror.versions.join(', ')}). Same answers with --runtime ${FALLBACK_RUNTIME}: ${other.times.join(', ')}. ${pkg.detail}`,
  };
}

export const IAC_VALIDATORS = { sam, cdk, terraform };
