// IaC validators used by the verification harness, one per IaC unit, run by the real tools.

/** SAM: cfn-lint (with the SAM translator) must report nothing at all: no error, no warning. */
async function sam(dir, { sh, log }) {
  const r = await sh('cfn-lint', ['template.yaml'], { cwd: dir, log });
  if (r.code === 0 && r.output.trim() === '') return { status: 'pass', detail: `cfn-lint clean in ${(r.ms / 1000).toFixed(1)}s` };
  return { status: 'fail', detail: `cfn-lint exit ${r.code}: ${r.output.trim().split('\n').slice(0, 3).join(' | ')}` };
}

export const IAC_VALIDATORS = { sam };
