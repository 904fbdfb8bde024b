import { Command, CommanderError, Option } from 'commander';
import { CliError } from '../errors.js';
import type { Catalog } from '../catalog/types.js';
import { combinations } from '../catalog/query.js';
import { PACKAGE_MANAGERS, RUNTIMES, type Answers, type RunFlags } from './types.js';

export const BIN = 'create-serverless-pattern';

export type ParseResult =
  | { kind: 'run'; answers: Answers; flags: RunFlags }
  /** --help or --version: commander already wrote the text. */
  | { kind: 'printed' };

function ids(catalog: Catalog, kind: keyof Catalog['units']): string {
  return catalog.units[kind].map((u) => u.id).join(', ');
}

export function buildProgram(catalog: Catalog, version: string, write: { out: (s: string) => void }): Command {
  const program = new Command(BIN)
    .description('Scaffold a production-ready AWS serverless project for a well-known architectural pattern.')
    .argument('[directory]', 'where to create the project (default with --yes: my-<pattern>)')
    .option('-p, --pattern <id>', `architectural pattern: ${ids(catalog, 'pattern')}`)
    .option('-t, --trigger <id>', `what invokes the function: ${ids(catalog, 'trigger')}`)
    .option('-s, --store <id>', `where the pattern keeps its state: ${ids(catalog, 'store')}`)
    .option('--iac <id>', `infrastructure as code: ${ids(catalog, 'iac')} (default: ${catalog.units.iac[0]?.id ?? 'none'})`)
    .option('-n, --name <name>', 'npm package name of the project (default: derived from the directory)')
    .option('--runtime <runtime>', `Lambda runtime: ${RUNTIMES.join(', ')} (default: ${RUNTIMES[0]})`)
    .option('-y, --yes', 'use defaults for everything not given; never prompt')
    .option('-i, --interactive', 'prompt for what is missing even without a terminal or in CI')
    .option('--no-interactive', 'never prompt; fail with exit code 2 when a required value is missing')
    .option('-f, --force', 'write into a non-empty directory, replacing only files this tool generates')
    .option('--dry-run', 'render and check everything, list the files, write nothing')
    .option('--list', 'list patterns, triggers, stores, IaC tools and the valid combinations')
    .option('--json', 'print one JSON object on stdout: the result or the error')
    .option('--git', 'initialise a git repository with a first commit')
    .option('--no-git', 'do not initialise git (default)')
    .option('--install', 'install dependencies after generating')
    .option('--no-install', 'do not install dependencies (default)')
    .addOption(new Option('--package-manager <pm>', 'package manager for --install and next steps (default: the one that ran this command)').choices(PACKAGE_MANAGERS))
    .option('--no-color', 'disable colours (NO_COLOR and FORCE_COLOR are honoured too)')
    .option('--debug', 'print stack traces for errors')
    .version(version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: () => {} });
  const first = combinations(catalog)[0];
  program.addHelpText(
    'after',
    `
Examples:
  npm create serverless-pattern@latest
  npx ${BIN} my-api${first ? ` --pattern ${first.pattern} --trigger ${first.trigger} --store ${first.store} --iac ${first.iac}` : ''}
  npx ${BIN} --list --json

Exit codes: 0 success, 1 failure, 2 usage or validation error, 130 cancelled.`,
  );
  return program;
}

/** Commander's first message line becomes ours; its "Did you mean" line becomes the hint. */
function usageError(error: CommanderError): CliError {
  const [first = error.message, ...rest] = error.message.split('\n');
  const message = first.replace(/^error:\s*/, '');
  const suggestion = rest.join(' ').trim();
  return new CliError(
    'E_USAGE',
    message.charAt(0).toUpperCase() + message.slice(1).replace(/\.?$/, '.'),
    suggestion ? `${suggestion.replace(/^\(|\)$/g, '')} Run ${BIN} --help for all options.` : `Run ${BIN} --help for all options.`,
  );
}

export function parseArgs(argv: string[], catalog: Catalog, version: string, write: { out: (s: string) => void }): ParseResult {
  const program = buildProgram(catalog, version, write);
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: 'printed' };
      throw usageError(error);
    }
    throw error;
  }
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const answers: Answers = {};
  const directory = program.args[0];
  if (directory !== undefined) answers.directory = directory;
  for (const key of ['pattern', 'trigger', 'store', 'iac', 'name', 'runtime'] as const) {
    const value = str(key);
    if (value !== undefined) answers[key] = value;
  }
  const flags: RunFlags = {
    yes: o.yes === true,
    force: o.force === true,
    dryRun: o.dryRun === true,
    list: o.list === true,
    json: o.json === true,
    git: o.git === true,
    install: o.install === true,
    color: o.color !== false,
    debug: o.debug === true,
  };
  if (typeof o.interactive === 'boolean') flags.interactive = o.interactive;
  const pm = str('packageManager');
  if (pm !== undefined) flags.packageManager = pm;
  return { kind: 'run', answers, flags };
}

/**
 * `npm create x my-api --pattern y` without `--`: npm keeps the flag for itself and exports it
 * as npm_config_pattern. Options npm itself knows (force, json, yes...) cannot be told apart, so only ours are checked.
 */
const NPM_SWALLOWABLE = ['pattern', 'trigger', 'store', 'iac', 'name', 'runtime', 'interactive', 'list', 'package_manager'];

export function checkSwallowedFlags(env: NodeJS.ProcessEnv, answers: Answers, flags: RunFlags): void {
  const given = new Set<string>(Object.keys(answers));
  if (flags.interactive !== undefined) given.add('interactive');
  if (flags.list) given.add('list');
  if (flags.packageManager) given.add('package_manager');
  const lost = NPM_SWALLOWABLE.filter((k) => env[`npm_config_${k}`] !== undefined && !given.has(k));
  if (lost.length === 0) return;
  const shown = lost.map((k) => `--${k.replace(/_/g, '-')}`).join(', ');
  throw new CliError(
    'E_NPM_SWALLOWED_FLAG',
    `npm kept ${shown} for itself, so ${BIN} never received ${lost.length > 1 ? 'them' : 'it'}.`,
    `Put -- before the flags: npm create serverless-pattern@latest my-api -- ${shown.split(', ')[0]} <value>`,
  );
}
