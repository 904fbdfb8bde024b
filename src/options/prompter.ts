import { CliError } from '../errors.js';

export interface Choice {
  value: string;
  name: string;
  description: string;
}

/** The questions the CLI may ask; tests pass a scripted one, the CLI the Inquirer one. */
export interface Prompter {
  input(q: { message: string; default?: string; validate: (value: string) => true | string }): Promise<string>;
  select(q: { message: string; choices: Choice[]; default?: string }): Promise<string>;
}

function cancelled(error: unknown): never {
  if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
    throw new CliError('E_CANCELLED', 'Cancelled; nothing was written.', undefined, { cause: error });
  }
  throw error;
}

/** Inquirer is loaded only when a prompt is really shown: flag-only runs never pay for it. */
export function inquirerPrompter(output: NodeJS.WritableStream = process.stderr): Prompter {
  const load = () => import('@inquirer/prompts');
  const context = { output };
  return {
    async input(q) {
      const { input } = await load();
      return input({ message: q.message, default: q.default, validate: q.validate }, context).catch(cancelled);
    },
    async select(q) {
      const { select } = await load();
      return select({ message: q.message, choices: q.choices, default: q.default }, context).catch(cancelled);
    },
  };
}
