import type { RunFlags } from './types.js';

export interface Terminal {
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
}

function truthyEnv(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Order of precedence: explicit flag, --yes, the CI variable, then whether both ends are terminals. */
export function decideInteractive(flags: Pick<RunFlags, 'interactive' | 'yes'>, env: NodeJS.ProcessEnv, term: Terminal): boolean {
  if (flags.interactive !== undefined) return flags.interactive;
  if (flags.yes) return false;
  if (truthyEnv(env.CI)) return false;
  return term.stdinIsTTY && term.stdoutIsTTY;
}
