import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, SLICE, cli, entries, isDir, pty, tmp, tree, REPO } from '../helpers/cli.js';

const VERSION = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
const ANSI = /\x1b\[[0-9;]*m/;

/** A usage error: one line + hint on stderr, nothing on stdout, exit 2, no stack, nothing written. */
function expectRefused(r: { code: number | null; stdout: string; stderr: string }, message: RegExp, code = 2) {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^error /);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^hint {2}\S/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('create-serverless-pattern (built bin, non-interactive)', () => {
  it('generates the project, lists the files and the next steps', () => {
    const cwd = tmp();
    const r = cli(['my-api', ...SLICE], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = tree(path.join(cwd, 'my-api'));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['package.json', 'template.yaml', '.gitignore', 'README.md', '.serverless-pattern.json']));
    for (const f of Object.keys(files)) expect(r.stdout).toContain(`create  ${f}`);
    expect(r.stdout).toMatch(/Next steps:\n\s+cd my-api\n\s+npm install\n\s+npm test\n\s+npm run build\n\s+sam build\n\s+sam deploy --guided/);
    expect(JSON.parse(files['package.json']!).name).toBe('my-api');
    expect(JSON.parse(files['.serverless-pattern.json']!)).toEqual({
      generator: 'create-serverless-pattern',
      version: VERSION,
      answers: { name: 'my-api', pattern: 'circuit-breaker', trigger: 'http', store: 'dynamodb', iac: 'sam', runtime: 'nodejs24.x' },
    });
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('is deterministic: the same answers give byte-identical trees', () => {
    const a = tmp();
    const b = tmp();
    expect(cli(['p', ...SLICE, '--runtime', 'nodejs22.x'], { cwd: a }).code).toBe(0);
    expect(cli(['p', ...SLICE, '--runtime', 'nodejs22.x'], { cwd: b }).code).toBe(0);
    expect(tree(path.join(a, 'p'))).toEqual(tree(path.join(b, 'p')));
    expect(tree(path.join(a, 'p'))['template.yaml']).toContain('nodejs22.x');
  });

  it('--yes fills every default, --name overrides the derived name', () => {
    const cwd = tmp();
    const r = cli(['--yes', '--name', '@acme/orders'], { cwd });
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'my-circuit-breaker/package.json'), 'utf8'));
    expect(pkg.name).toBe('@acme/orders');
  });

  it('--dry-run renders and checks but writes nothing', () => {
    const cwd = tmp();
    const r = cli(['my-api', ...SLICE, '--dry-run'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Dry run: would create \d+ files/);
    expect(r.stdout).toContain('create  template.yaml');
    expect(entries(cwd)).toEqual([]);
    writeFileSync(path.join(cwd, 'x'), '');
    expectRefused(cli(['.', ...SLICE, '--dry-run'], { cwd }), /is not empty \(x\)/);
  });

  it('--json prints exactly one JSON object with the result', () => {
    const cwd = tmp();
    const r = cli(['svc', ...SLICE, '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, dryRun: false, directory: 'svc', targetDir: path.join(cwd, 'svc'), config: { name: 'svc', pattern: 'circuit-breaker', trigger: 'http', store: 'dynamodb', iac: 'sam', runtime: 'nodejs24.x', stackName: 'svc' } });
    expect(j.files).toEqual(Object.keys(tree(path.join(cwd, 'svc'))).sort());
    expect(j.nextSteps).toEqual(['cd svc', 'npm install', 'npm test', 'npm run build', 'sam build', 'sam deploy --guided']);
  });

  it('--json reports an error as JSON on stdout with its code, message and hint', () => {
    const cwd = tmp();
    const r = cli(['svc', '--pattern', 'circuit-braker', '--json'], { cwd });
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j).toEqual({ ok: false, error: { code: 'E_UNKNOWN_VALUE', message: expect.stringContaining('Unknown pattern "circuit-braker"'), hint: 'Did you mean --pattern circuit-breaker?', exitCode: 2 } });
    const usage = JSON.parse(cli(['--bogus', '--json'], { cwd }).stdout);
    expect(usage.error.code).toBe('E_USAGE');
    expect(entries(cwd)).toEqual([]);
  });

  it('--list prints the catalog and the valid combinations; with --json as JSON', () => {
    const cwd = tmp();
    const text = cli(['--list'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Patterns \(--pattern\)\n\s+circuit-breaker\s+Circuit breaker: /);
    expect(text.stdout).toContain('circuit-breaker http dynamodb sam');
    const j = JSON.parse(cli(['--list', '--json'], { cwd }).stdout);
    expect(Object.keys(j)).toEqual(['patterns', 'triggers', 'stores', 'iac', 'combinations']);
    expect(j.patterns[0]).toMatchObject({ id: 'circuit-breaker', category: 'availability', supports: { trigger: expect.any(Array) } });
    expect(j.combinations).toContainEqual({ pattern: 'circuit-breaker', trigger: 'http', store: 'dynamodb', iac: 'sam' });
    const count = j.patterns.reduce((n: number, p: { supports: Record<string, string[]> }) => n + p.supports.trigger!.length * p.supports.store!.length * p.supports.iac!.length, 0);
    expect(j.combinations).toHaveLength(count);
  });

  it('--version and --help', () => {
    const cwd = tmp();
    expect(cli(['--version'], { cwd })).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const help = cli(['--help'], { cwd });
    expect(help.code).toBe(0);
    for (const flag of ['--pattern', '--trigger', '--store', '--iac', '--name', '--runtime', '--yes', '--interactive', '--no-interactive', '--force', '--dry-run', '--list', '--json', '--git', '--install', '--package-manager', '--no-color', '--debug', '--version', '--help']) {
      expect(help.stdout).toContain(flag);
    }
  });
});

describe('bad input: a clear one-line error, a hint, exit 2, nothing written', () => {
  it('unknown flag, with a suggestion', () => {
    const cwd = tmp();
    expectRefused(cli(['app', '--patern', 'x'], { cwd }), /Unknown option '--patern'/);
    expect(cli(['app', '--patern', 'x'], { cwd }).stderr).toContain('Did you mean --pattern?');
    expect(entries(cwd)).toEqual([]);
  });

  it.each([
    ['--pattern', 'circuit', /Unknown pattern "circuit". Valid: circuit-breaker/, /--pattern circuit-breaker/],
    ['--trigger', 'htp', /Unknown trigger "htp"/, /--trigger http/],
    ['--store', 'dynamo', /Unknown store "dynamo"/, /--store dynamodb/],
    ['--iac', 'pulumi', /Unknown IaC tool "pulumi"/, /--list/],
    ['--runtime', 'nodejs18.x', /Unknown runtime "nodejs18.x". Valid: nodejs24.x, nodejs22.x/, /--runtime nodejs24.x/],
  ])('unknown %s value lists the valid ones and suggests the nearest', (flag, value, message, hint) => {
    const cwd = tmp();
    const args = SLICE.includes(flag) ? SLICE.map((a, i) => (SLICE[i - 1] === flag ? value : a)) : [...SLICE, flag, value];
    const r = cli(['app', ...args], { cwd });
    expectRefused(r, message);
    expect(r.stderr.split('\n')[1]).toMatch(hint);
    expect(entries(cwd)).toEqual([]);
  });

  it('an invalid npm package name', () => {
    const cwd = tmp();
    expectRefused(cli(['app', ...SLICE, '--name', 'Not Valid'], { cwd }), /Invalid npm package name "Not Valid"/);
    expectRefused(cli(['___', ...SLICE], { cwd }), /Invalid npm package name/);
    expect(entries(cwd)).toEqual([]);
  });

  it('missing values without a terminal name the flags to pass, never prompt', () => {
    const cwd = tmp();
    const r = cli(['app', '--pattern', 'circuit-breaker'], { cwd, env: { CI: undefined } });
    expectRefused(r, /Missing --trigger <id>, --store <id>/);
    expectRefused(cli([], { cwd }), /Missing <directory>, --pattern <id>, --trigger <id>, --store <id>/);
    expectRefused(cli(['app', '--no-interactive'], { cwd, env: { CI: undefined } }), /Missing --pattern/);
    expect(entries(cwd)).toEqual([]);
  });

  it('a target that is not empty lists what is in the way and changes nothing', () => {
    const cwd = tmp();
    mkdirSync(path.join(cwd, 'app'));
    writeFileSync(path.join(cwd, 'app/notes.txt'), 'mine');
    writeFileSync(path.join(cwd, 'app/template.yaml'), 'mine too');
    expectRefused(cli(['app', ...SLICE], { cwd }), /^error app is not empty \(notes\.txt, template\.yaml\)\.$/);
    expect(tree(path.join(cwd, 'app'))).toEqual({ 'notes.txt': 'mine', 'template.yaml': 'mine too' });
  });

  it('a lone .git does not count as content', () => {
    const cwd = tmp();
    mkdirSync(path.join(cwd, 'app/.git'), { recursive: true });
    writeFileSync(path.join(cwd, 'app/.git/HEAD'), 'ref: refs/heads/main\n');
    expect(cli(['app', ...SLICE], { cwd }).code).toBe(0);
    expect(existsSync(path.join(cwd, 'app/template.yaml'))).toBe(true);
    expect(readFileSync(path.join(cwd, 'app/.git/HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
  });

  it('a target that is a file', () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, 'app'), 'a file');
    expectRefused(cli(['app', ...SLICE], { cwd }), /app exists and is a file/);
    expect(readFileSync(path.join(cwd, 'app'), 'utf8')).toBe('a file');
    expectRefused(cli(['app/sub', ...SLICE], { cwd }), /is a file, so .* cannot be created/);
  });

  it('an unwritable parent exits 1 and writes nothing', () => {
    const cwd = tmp();
    const locked = path.join(cwd, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(cwd, 0o755);
    // root ignores permissions, so run the CLI as an unprivileged user when we are root.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = cli(['locked/app', ...SLICE], { cwd, ...asUser });
    expectRefused(r, /Cannot write to .*locked: permission denied/, 1);
    expect(entries(locked)).toEqual([]);
  });

  it('flags npm swallowed (npm create without --) are detected', () => {
    const cwd = tmp();
    const r = cli(['my-api'], { cwd, env: { npm_config_pattern: 'circuit-breaker', npm_config_user_agent: 'npm/11.0.0 node/v20' } });
    expectRefused(r, /npm kept --pattern for itself/);
    expect(r.stderr).toContain('npm create serverless-pattern@latest my-api -- --pattern <value>');
    expect(entries(cwd)).toEqual([]);
  });

  it('--debug adds the stack trace', () => {
    const cwd = tmp();
    const r = cli(['app', '--pattern', 'nope', '--debug'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('--force', () => {
  it('replaces generated files only and deletes nothing', () => {
    const cwd = tmp();
    const dir = path.join(cwd, 'app');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'template.yaml'), 'old template');
    writeFileSync(path.join(dir, 'keep.md'), 'mine');
    const r = cli(['app', ...SLICE, '--force'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('replace template.yaml');
    const files = tree(dir);
    expect(files['keep.md']).toBe('mine');
    expect(files['template.yaml']).not.toBe('old template');
    expect(entries(cwd)).toEqual(['app']);
  });
});

describe('colour', () => {
  it('only when forced or on a terminal, never with NO_COLOR or --no-color', () => {
    const cwd = tmp();
    expect(cli(['--list'], { cwd, env: { FORCE_COLOR: '1' } }).stdout).toMatch(ANSI);
    expect(cli(['--list'], { cwd }).stdout).not.toMatch(ANSI);
    expect(cli(['--list', '--no-color'], { cwd, env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(ANSI);
    expect(cli(['--list'], { cwd, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(ANSI);
    expect(cli(['x', '--pattern', 'nope'], { cwd, env: { FORCE_COLOR: '1' } }).stderr).toMatch(ANSI);
  });
});

describe('post steps', () => {
  it('--git initialises a repository with a first commit', () => {
    const cwd = tmp();
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    const r = cli(['app', ...SLICE, '--git'], { cwd, env });
    expect(r.code).toBe(0);
    expect(isDir(path.join(cwd, 'app/.git'))).toBe(true);
    expect(existsSync(path.join(cwd, 'app/.git/refs/heads')) && entries(path.join(cwd, 'app/.git/refs/heads')).length).toBe(1);
  });

  it('--install runs the chosen package manager in the project; its failure exits 1 and keeps the project', () => {
    const cwd = tmp();
    const bin = path.join(cwd, 'fakebin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'pnpm'), `#!/bin/sh\necho "$PWD $*" > "${cwd}/pnpm.log"\nexit \${FAKE_EXIT:-0}\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const r = cli(['app', ...SLICE, '--install', '--package-manager', 'pnpm'], { cwd, env });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(cwd, 'pnpm.log'), 'utf8').trim()).toBe(`${path.join(cwd, 'app')} install`);
    expect(r.stdout).toMatch(/Next steps:\n\s+cd app\n\s+pnpm test\n/);
    const failed = cli(['app2', ...SLICE, '--install', '--package-manager', 'pnpm'], { cwd, env: { ...env, FAKE_EXIT: '3' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/The project was created, but `pnpm install` failed \(exit 3\)/);
    expect(existsSync(path.join(cwd, 'app2/package.json'))).toBe(true);
  });

  it('the package manager for next steps comes from npm_config_user_agent', () => {
    const cwd = tmp();
    const r = cli(['app', ...SLICE], { cwd, env: { npm_config_user_agent: 'yarn/4.1.0 npm/? node/v20.0.0' } });
    expect(r.stdout).toMatch(/Next steps:\n\s+cd app\n\s+yarn\n\s+yarn test\n\s+yarn build\n/);
  });
});

describe('interactive (pseudo-terminal)', () => {
  it('prompts for what flags did not give and generates', async () => {
    const cwd = tmp();
    // The pattern supports one trigger and one store (no prompt) but two IaC tools: Enter takes the default.
    const r = await pty(['--pattern', 'circuit-breaker'], cwd, [
      { when: /Project directory/, send: 'typed-dir\r' },
      { when: /Choose the IaC tool/, send: '\r' },
    ]);
    expect(r.code).toBe(0);
    expect(r.screen).toContain('Project directory');
    expect(r.screen).toContain('Choose the IaC tool');
    expect(r.screen).not.toContain('Choose the pattern');
    expect(existsSync(path.join(cwd, 'typed-dir/template.yaml'))).toBe(true);
  });

  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const cwd = tmp();
    const r = await pty([], cwd, [{ when: /Project directory/, send: '\x03' }]);
    expect(r.code).toBe(130);
    expect(r.screen).toMatch(/Cancelled; nothing was written/);
    expect(entries(cwd)).toEqual([]);
  });

  it('--no-interactive wins over a terminal', async () => {
    const cwd = tmp();
    const r = await pty(['--no-interactive'], cwd, []);
    expect(r.code).toBe(2);
    expect(r.screen).toMatch(/Missing <directory>/);
  });
});

it('the bin is a thin launcher', () => {
  expect(readFileSync(BIN, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('//') && !l.startsWith('#!')).length).toBeLessThanOrEqual(3);
});
