import { CliError, EXIT, type ExitCode } from './errors.js';
import { spawnRunner } from './post/runner.js';
import { run, type Deps } from './run.js';
import { colorLevel, makeChalk } from './ui/color.js';
import { printError, type Out } from './ui/output.js';

/**
 * The single place that maps results and errors to output and exit codes. Never calls
 * process.exit: the bin sets process.exitCode so pending output is flushed.
 */
export async function main(argv: string[], partial: Partial<Deps> = {}, streams = { stdout: process.stdout, stderr: process.stderr }): Promise<ExitCode> {
  const deps: Deps = {
    cwd: process.cwd(),
    env: process.env,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(streams.stdout.isTTY),
    runner: spawnRunner,
    ...partial,
  };
  // Until flags are parsed, guess the mode from argv so even a usage error honours --json / --no-color.
  const mode = { json: argv.includes('--json'), debug: argv.includes('--debug'), color: !argv.includes('--no-color') };
  const out: Out = {
    stdout: (s) => streams.stdout.write(s),
    stderr: (s) => streams.stderr.write(s),
    chalk: makeChalk(colorLevel(deps.env, deps.stdoutIsTTY, mode.color)),
  };
  const setMode = (m: typeof mode) => {
    Object.assign(mode, m);
    out.chalk = makeChalk(colorLevel(deps.env, deps.stdoutIsTTY, m.color && !m.json));
  };
  try {
    const result = await run(argv, deps, out, setMode);
    if (result.json) out.stdout(`${JSON.stringify(result.json, null, 2)}\n`);
    return result.code;
  } catch (thrown) {
    const error =
      thrown instanceof CliError
        ? thrown
        : new CliError('E_INTERNAL', `Unexpected failure: ${(thrown as Error)?.message ?? String(thrown)}`, 'Run again with --debug and report the stack trace.', { cause: thrown });
    const code = thrown instanceof CliError ? error.exitCode : EXIT.failure;
    if (mode.json) {
      out.stdout(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message, hint: error.hint ?? null, exitCode: code } }, null, 2)}\n`);
      if (mode.debug) out.stderr(`${(thrown as Error)?.stack ?? ''}\n`);
    } else {
      printError(out, error, false);
      if (mode.debug) out.stderr(`${(thrown as Error)?.stack ?? ''}\n`);
    }
    return code;
  }
}
