import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(REPO, 'bin/create-serverless-pattern.cjs');
export const SLICE = ['--pattern', 'circuit-breaker', '--trigger', 'http', '--store', 'dynamodb', '--iac', 'sam'];

/** The test runner's own npm_config_* and CI variables must not leak into the CLI under test. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|CI$|NO_COLOR$|FORCE_COLOR$|GITHUB_)/i.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  else env[k] = v;
  return env;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> } & Pick<SpawnSyncOptions, 'uid' | 'gid'>): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cleanEnv({ CI: 'true', ...opts.env }), encoding: 'utf8', uid: opts.uid, gid: opts.gid });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tmp(prefix = 'csp-e2e-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Every file under dir (relative path → content). */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out[r] = readFileSync(path.join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

export function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Runs the CLI in a pseudo-terminal (util-linux `script`) and answers prompts as they appear. */
export function pty(args: string[], cwd: string, steps: { when: RegExp; send: string }[], env: Record<string, string> = {}): Promise<Result & { screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd, env: cleanEnv({ TERM: 'xterm', COLUMNS: '120', ...env }) });
    let screen = '';
    let stderr = '';
    const pending = [...steps];
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      const next = pending[0];
      if (next && next.when.test(screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''))) {
        pending.shift();
        setTimeout(() => child.stdin.write(next.send), 50);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: screen, stderr, screen: screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') });
    });
  });
}
