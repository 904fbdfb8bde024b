import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { checkSwallowedFlags, parseArgs } from '../../src/options/flags.js';
import { decideInteractive } from '../../src/options/interactive.js';
import { checkPackageName, nameFromDirectory, stackNameFrom } from '../../src/options/names.js';
import type { Prompter } from '../../src/options/prompter.js';
import { resolveConfig } from '../../src/options/resolve.js';
import { fixtureCatalog } from '../helpers/fixture.js';

const catalog = fixtureCatalog();
const parse = (...argv: string[]) => {
  const r = parseArgs(argv, catalog, '1.0.0', { out: () => {} });
  if (r.kind !== 'run') throw new Error('printed');
  return r;
};

function scripted(answers: Record<string, string>) {
  const asked: { message: string; choices?: string[] }[] = [];
  const prompter: Prompter = {
    async input(q) {
      asked.push({ message: q.message });
      const value = answers[q.message] ?? q.default ?? '';
      const valid = q.validate(value);
      if (valid !== true) throw new Error(valid);
      return value;
    },
    async select(q) {
      asked.push({ message: q.message, choices: q.choices.map((c) => c.value) });
      return answers[q.message] ?? q.default ?? q.choices[0]!.value;
    },
  };
  return { prompter, asked };
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp) {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).code).toBe(code);
  if (message) expect((error as CliError).message).toMatch(message);
  return error as CliError;
}

describe('decideInteractive', () => {
  const tty = { stdinIsTTY: true, stdoutIsTTY: true };
  it('follows flag, then --yes, then CI, then the terminals', () => {
    expect(decideInteractive({ interactive: true, yes: true }, { CI: 'true' }, { stdinIsTTY: false, stdoutIsTTY: false })).toBe(true);
    expect(decideInteractive({ interactive: false, yes: false }, {}, tty)).toBe(false);
    expect(decideInteractive({ yes: true }, {}, tty)).toBe(false);
    expect(decideInteractive({ yes: false }, { CI: 'true' }, tty)).toBe(false);
    expect(decideInteractive({ yes: false }, { CI: '1' }, tty)).toBe(false);
    expect(decideInteractive({ yes: false }, { CI: 'false' }, tty)).toBe(true);
    expect(decideInteractive({ yes: false }, { CI: '0' }, tty)).toBe(true);
    expect(decideInteractive({ yes: false }, {}, { stdinIsTTY: true, stdoutIsTTY: false })).toBe(false);
    expect(decideInteractive({ yes: false }, {}, { stdinIsTTY: false, stdoutIsTTY: true })).toBe(false);
    expect(decideInteractive({ yes: false }, {}, tty)).toBe(true);
  });
});

describe('names', () => {
  it('derives a valid package name from a directory', () => {
    expect(nameFromDirectory('My Cool API!')).toBe('my-cool-api');
    expect(nameFromDirectory('__x..y')).toBe('x..y');
    expect(nameFromDirectory('UPPER')).toBe('upper');
  });
  it('derives a CloudFormation stack name', () => {
    expect(stackNameFrom('@acme/orders.api')).toBe('acme-orders-api');
    expect(stackNameFrom('9lives')).toBe('app-9lives');
    expect(stackNameFrom('a_b')).toBe('a-b');
    expect(stackNameFrom('x'.repeat(200))).toHaveLength(128);
    for (const n of ['@acme/orders.api', '9lives', 'a_b', 'a-', 'x'.repeat(200)]) expect(stackNameFrom(n)).toMatch(/^[A-Za-z][-A-Za-z0-9]{0,127}$/);
  });
  it('rejects names npm rejects, with the reason', () => {
    expect(() => checkPackageName('Bad Name', true)).toThrow(/Invalid npm package name "Bad Name".*(lowercase|URL-friendly)/);
    expect(() => checkPackageName('node_modules', true)).toThrow(CliError);
    expect(() => checkPackageName('ok-name', true)).not.toThrow();
    expect(() => checkPackageName('@scope/ok', true)).not.toThrow();
  });
});

describe('resolveConfig', () => {
  const base = { catalog, cwd: '/work/x', interactive: false, yes: false };

  it('takes every value from flags without prompting', async () => {
    const { prompter, asked } = scripted({});
    const { answers } = parse('app', '--pattern', 'alpha', '--trigger', 'cron', '--store', 'sql', '--iac', 'other', '--runtime', 'nodejs22.x');
    const config = await resolveConfig({ ...base, interactive: true, prompter }, answers);
    expect(asked).toEqual([]);
    expect(config).toMatchObject({ directory: 'app', targetDir: '/work/x/app', name: 'app', pattern: 'alpha', trigger: 'cron', store: 'sql', iac: 'other', runtime: 'nodejs22.x', stackName: 'app' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('asks only for what is missing, with choices filtered by the pattern', async () => {
    const { prompter, asked } = scripted({ 'Project directory': 'svc', 'Choose the pattern': 'alpha', 'Choose the trigger': 'cron' });
    const config = await resolveConfig({ ...base, interactive: true, prompter }, parse('--store', 'kv').answers);
    expect(asked).toEqual([
      { message: 'Project directory' },
      { message: 'Choose the pattern', choices: ['alpha', 'beta'] },
      { message: 'Choose the trigger', choices: ['web', 'cron'] },
      { message: 'Choose the IaC tool', choices: ['yamlish', 'other'] },
    ]);
    expect(config).toMatchObject({ directory: 'svc', pattern: 'alpha', trigger: 'cron', store: 'kv', iac: 'yamlish' });
  });

  it('does not ask when a pattern leaves one choice', async () => {
    const { prompter, asked } = scripted({});
    const config = await resolveConfig({ ...base, interactive: true, prompter }, parse('d', '--pattern', 'beta').answers);
    expect(asked).toEqual([]);
    expect(config).toMatchObject({ trigger: 'cron', store: 'sql', iac: 'yamlish' });
  });

  it('--yes takes the defaults, including the directory', async () => {
    const config = await resolveConfig({ ...base, yes: true }, parse('--yes').answers);
    expect(config).toMatchObject({ directory: 'my-alpha', pattern: 'alpha', trigger: 'web', store: 'kv', iac: 'yamlish', runtime: 'nodejs24.x' });
  });

  it('non-interactive without --yes names every missing flag', async () => {
    const e = await rejects(resolveConfig(base, parse('--pattern', 'alpha').answers), 'E_MISSING_OPTION');
    expect(e.message).toContain('<directory>, --trigger <id>, --store <id>');
    expect(e.exitCode).toBe(2);
  });

  it('non-interactive defaults only the IaC tool', async () => {
    const config = await resolveConfig(base, parse('d', '-p', 'alpha', '-t', 'web', '-s', 'kv').answers);
    expect(config.iac).toBe('yamlish');
  });

  it('rejects unknown values with the valid list and the nearest one', async () => {
    const e = await rejects(resolveConfig({ ...base, yes: true }, parse('--pattern', 'alhpa').answers), 'E_UNKNOWN_VALUE', /Unknown pattern "alhpa". Valid: alpha, beta/);
    expect(e.hint).toBe('Did you mean --pattern alpha?');
    await rejects(resolveConfig({ ...base, yes: true }, parse('--iac', 'terraform').answers), 'E_UNKNOWN_VALUE', /Unknown IaC tool "terraform"/);
    await rejects(resolveConfig({ ...base, yes: true }, parse('--runtime', 'nodejs18.x').answers), 'E_UNKNOWN_VALUE', /runtime/);
  });

  it('rejects an incompatible combination before prompting, saying what the pattern supports', async () => {
    const { prompter, asked } = scripted({});
    await rejects(
      resolveConfig({ ...base, interactive: true, prompter }, parse('--pattern', 'beta', '--trigger', 'web').answers),
      'E_INCOMPATIBLE',
      /beta pattern does not support trigger "web"; it supports cron/,
    );
    expect(asked).toEqual([]);
  });

  it('rejects an invalid --name, and a directory that yields no valid name', async () => {
    await rejects(resolveConfig({ ...base, yes: true }, parse('d', '--name', 'Bad Name').answers), 'E_INVALID_NAME');
    const e = await rejects(resolveConfig({ ...base, yes: true }, parse('___').answers), 'E_INVALID_NAME');
    expect(e.hint).toMatch(/--name/);
  });
});

describe('parseArgs', () => {
  it('maps commander errors to usage errors with a hint', () => {
    expect(() => parse('--pattren', 'x')).toThrow(CliError);
    try {
      parse('--forse');
    } catch (e) {
      expect((e as CliError).code).toBe('E_USAGE');
      expect((e as CliError).message).toBe("Unknown option '--forse'.");
      expect((e as CliError).hint).toMatch(/Did you mean --force\?/);
    }
  });
  it('rejects extra positional arguments', () => {
    expect(() => parse('a', 'b')).toThrow(/too many arguments/i);
  });
  it('leaves --interactive undefined unless given', () => {
    expect(parse().flags.interactive).toBeUndefined();
    expect(parse('--no-interactive').flags.interactive).toBe(false);
    expect(parse('-i').flags.interactive).toBe(true);
    expect(parse().flags).toMatchObject({ git: false, install: false, color: true });
    expect(parse('--no-color', '--git', '--install').flags).toMatchObject({ git: true, install: true, color: false });
  });
  it('lists catalog values in --help', () => {
    let help = '';
    parseArgs(['--help'], catalog, '1.0.0', { out: (s) => (help += s) });
    const flat = help.replace(/\s+/g, ' ');
    expect(flat).toContain('architectural pattern: alpha, beta');
    expect(flat).toContain('infrastructure as code: yamlish, other (default: yamlish)');
  });
});

describe('checkSwallowedFlags', () => {
  it('detects flags npm kept for itself and says to add --', () => {
    const { answers, flags } = parse('my-api');
    expect(() => checkSwallowedFlags({ npm_config_pattern: 'alpha' }, answers, flags)).toThrow(/npm kept --pattern/);
    try {
      checkSwallowedFlags({ npm_config_package_manager: 'pnpm' }, answers, flags);
    } catch (e) {
      expect((e as CliError).hint).toContain('-- --package-manager');
    }
  });
  it('is quiet when the flag did arrive, or for npm\'s own settings', () => {
    const { answers, flags } = parse('my-api', '--pattern', 'alpha');
    expect(() => checkSwallowedFlags({ npm_config_pattern: 'alpha', npm_config_yes: 'true', npm_config_cache: '/x' }, answers, flags)).not.toThrow();
  });
});
