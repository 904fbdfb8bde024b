import path from 'node:path';
import { CliError } from '../errors.js';
import { choicesFor, findUnit, nearest } from '../catalog/query.js';
import { DIMENSION_INFO, type Catalog, type Dimension } from '../catalog/types.js';
import { checkPackageName, nameFromDirectory, stackNameFrom } from './names.js';
import type { Prompter } from './prompter.js';
import { RUNTIMES, type Answers, type ResolvedConfig, type Runtime } from './types.js';

const CHOICE_DIMENSIONS = ['pattern', 'trigger', 'store', 'iac'] as const;

export interface ResolveContext {
  catalog: Catalog;
  cwd: string;
  /** Prompt for what is missing; otherwise --yes defaults, otherwise an error. */
  interactive: boolean;
  yes: boolean;
  prompter?: Prompter;
}

function checkKnown(catalog: Catalog, kind: Dimension, value: string): void {
  if (findUnit(catalog, kind, value)) return;
  const valid = catalog.units[kind].map((u) => u.id);
  const guess = nearest(value, valid);
  throw new CliError(
    'E_UNKNOWN_VALUE',
    `Unknown ${DIMENSION_INFO[kind].label} "${value}". Valid: ${valid.join(', ')}.`,
    guess ? `Did you mean ${DIMENSION_INFO[kind].flag} ${guess}?` : `Run create-serverless-pattern --list to see every combination.`,
  );
}

function checkCompatible(catalog: Catalog, answers: Answers): void {
  if (!answers.pattern) return;
  const pattern = findUnit(catalog, 'pattern', answers.pattern)!;
  for (const kind of ['trigger', 'store', 'iac'] as const) {
    const value = answers[kind];
    const supported = pattern.supports![kind];
    if (value !== undefined && !supported.includes(value)) {
      throw new CliError(
        'E_INCOMPATIBLE',
        `The ${pattern.id} pattern does not support ${DIMENSION_INFO[kind].label} "${value}"; it supports ${supported.join(', ')}.`,
        `Pass ${DIMENSION_INFO[kind].flag} ${supported[0]} or pick another pattern (create-serverless-pattern --list).`,
      );
    }
  }
}

function checkRuntime(value: string): asserts value is Runtime {
  if (!(RUNTIMES as readonly string[]).includes(value)) {
    throw new CliError('E_UNKNOWN_VALUE', `Unknown runtime "${value}". Valid: ${RUNTIMES.join(', ')}.`, `Pass --runtime ${RUNTIMES[0]}.`);
  }
}

/** Every given value is checked before anything is asked: a typo must not cost the user a round of prompts. */
export function checkAnswers(catalog: Catalog, answers: Answers): void {
  for (const kind of CHOICE_DIMENSIONS) if (answers[kind] !== undefined) checkKnown(catalog, kind, answers[kind]);
  checkCompatible(catalog, answers);
  if (answers.runtime !== undefined) checkRuntime(answers.runtime);
  if (answers.name !== undefined) checkPackageName(answers.name, true);
}

function validateDirectory(value: string): true | string {
  if (value.trim() === '') return 'Enter a directory name.';
  return true;
}

async function ask(ctx: ResolveContext, answers: Answers): Promise<Answers> {
  const { catalog, prompter } = ctx;
  const out = { ...answers };
  if (!prompter) throw new Error('interactive resolution needs a prompter');
  if (out.directory === undefined) {
    out.directory = await prompter.input({ message: 'Project directory', default: 'my-service', validate: validateDirectory });
  }
  for (const kind of CHOICE_DIMENSIONS) {
    if (out[kind] !== undefined) continue;
    const units = choicesFor(catalog, kind, out.pattern);
    out[kind] =
      units.length === 1
        ? units[0]!.id
        : await prompter.select({
            message: `Choose the ${DIMENSION_INFO[kind].label}`,
            choices: units.map((u) => ({ value: u.id, name: u.title, description: u.description })),
            default: units[0]!.id,
          });
  }
  return out;
}

function withDefaults(catalog: Catalog, answers: Answers): Answers {
  const out = { ...answers };
  for (const kind of CHOICE_DIMENSIONS) out[kind] ??= choicesFor(catalog, kind, out.pattern)[0]?.id;
  out.directory ??= `my-${out.pattern}`;
  return out;
}

/** Non-interactive and no --yes: the IaC tool has a documented default; everything else must be given. */
function requireGiven(catalog: Catalog, answers: Answers): Answers {
  const missing: string[] = [];
  if (answers.directory === undefined) missing.push('<directory>');
  for (const kind of ['pattern', 'trigger', 'store'] as const) if (answers[kind] === undefined) missing.push(`${DIMENSION_INFO[kind].flag} <id>`);
  if (missing.length > 0) {
    throw new CliError(
      'E_MISSING_OPTION',
      `Missing ${missing.join(', ')} (not prompting: no terminal, CI set, or --no-interactive).`,
      'Pass them as flags, add --yes to take the defaults, or --interactive to be asked. See --list for valid values.',
    );
  }
  return { ...answers, iac: answers.iac ?? choicesFor(catalog, 'iac', answers.pattern)[0]?.id };
}

export async function resolveConfig(ctx: ResolveContext, given: Answers): Promise<ResolvedConfig> {
  checkAnswers(ctx.catalog, given);
  const answers = ctx.interactive ? await ask(ctx, given) : ctx.yes ? withDefaults(ctx.catalog, given) : requireGiven(ctx.catalog, given);
  checkCompatible(ctx.catalog, answers);
  const directory = answers.directory!;
  const targetDir = path.resolve(ctx.cwd, directory);
  const name = answers.name ?? nameFromDirectory(path.basename(targetDir));
  if (answers.name === undefined) checkPackageName(name, false);
  return Object.freeze({
    directory,
    targetDir,
    name,
    pattern: answers.pattern!,
    trigger: answers.trigger!,
    store: answers.store!,
    iac: answers.iac!,
    runtime: (answers.runtime ?? RUNTIMES[0]) as Runtime,
    stackName: stackNameFrom(name),
  });
}
