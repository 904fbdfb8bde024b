import { CliError } from '../errors.js';
import { installCommand } from '../ui/pm.js';
import type { PackageManager } from '../options/types.js';
import type { Runner } from './runner.js';

const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

/** git init + a first commit. A missing git fails the step; a missing identity only skips the commit. */
export async function initGit(run: Runner, cwd: string, quietStdout: boolean, warnings: string[]): Promise<void> {
  const init = await run('git', ['init', '-q'], { cwd, quietStdout });
  if (init.code !== 0) {
    throw new CliError('E_POST_STEP', `The project was created, but git init failed: ${lastLine(init.stderr) || `exit ${init.code}`}.`, 'Install git or run without --git.');
  }
  const add = await run('git', ['add', '-A'], { cwd, quietStdout });
  const commit = add.code === 0 ? await run('git', ['commit', '-q', '-m', 'Initial commit from create-serverless-pattern'], { cwd, quietStdout }) : add;
  if (commit.code !== 0) warnings.push(`git repository initialised, but the first commit was skipped: ${lastLine(commit.stderr) || `exit ${commit.code}`}`);
}

export async function installDependencies(run: Runner, cwd: string, pm: PackageManager, quietStdout: boolean): Promise<void> {
  const [command, ...args] = installCommand(pm);
  const result = await run(command!, args, { cwd, quietStdout });
  if (result.code !== 0) {
    throw new CliError('E_POST_STEP', `The project was created, but \`${[command, ...args].join(' ')}\` failed (exit ${result.code}).`, `Fix the error above, then run \`${[command, ...args].join(' ')}\` in the project.`);
  }
}
