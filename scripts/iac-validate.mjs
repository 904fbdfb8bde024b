// IaC validators used by the verification harness, one per IaC unit, run by the real tools.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** SAM: cfn-lint (with the SAM translator) must report nothing at all: no error, no warning. */
async function sam(dir, { sh, log }) {
  const r = await sh('cfn-lint', ['template.yaml'], { cwd: dir, log });
  if (r.code === 0 && r.output.trim() === '') return { status: 'pass', detail: `cfn-lint clean in ${seconds(r.ms)}` };
  return { status: 'fail', detail: `cfn-lint exit ${r.code}: ${r.output.trim().split('\n').slice(0, 3).join(' | ')}` };
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
  if (lint.code === 0 && lint.output.trim() === '') return { status: 'pass', detail: `synth ${seconds(synth.ms)}, cfn-lint clean (${templates.length} template) in ${seconds(lint.ms)}` };
  return { status: 'fail', detail: `cfn-lint exit ${lint.code}: ${lint.output.trim().split('\n').slice(0, 3).join(' | ')}` };
}

export const IAC_VALIDATORS = { sam, cdk };
