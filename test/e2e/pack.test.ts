import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, SLICE, cleanEnv, tmp } from '../helpers/cli.js';

/** What `npm create serverless-pattern` would really fetch and run: the packed tarball. */
describe('the npm package', () => {
  it('packs bin, dist and templates (dotfiles kept as _name), and runs through npx from the tarball', () => {
    const dest = tmp('csp-pack-');
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: REPO, env: cleanEnv(), encoding: 'utf8' });
    const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    expect(paths).toContain('bin/create-serverless-pattern.cjs');
    expect(paths).toContain('dist/bundle/cli.cjs');
    expect(paths).toContain('dist/bundle/prompts.mjs');
    expect(paths).toContain('dist/precompiled/base.cjs');
    expect(paths).toContain('dist/precompiled/patterns__circuit-breaker.cjs');
    expect(paths.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/bundle/') && !/^dist\/precompiled\/[\w.-]+\.cjs$/.test(p))).toEqual([]);
    expect(paths).toContain('templates/versions.json');
    expect(paths).toContain('templates/base/files/_gitignore.hbs');
    expect(paths.filter((p) => p.startsWith('test/') || p.startsWith('src/'))).toEqual([]);

    const cwd = tmp('csp-npx-');
    const r = spawnSync('npx', ['--yes', '--package', path.join(dest, info!.filename), 'create-serverless-pattern', 'packed-app', ...SLICE, '--no-interactive'], {
      cwd,
      env: cleanEnv({ npm_config_cache: path.join(dest, 'cache'), npm_config_update_notifier: 'false' }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'packed-app/.gitignore'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(cwd, 'packed-app/package.json'), 'utf8')).name).toBe('packed-app');
  }, 180_000);
});
