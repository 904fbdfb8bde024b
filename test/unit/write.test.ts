import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { checkTarget } from '../../src/write/target.js';
import { writeProject, type WriterFs } from '../../src/write/write.js';

const files = [
  { path: 'a.txt', content: 'A' },
  { path: 'src/b.ts', content: 'B' },
  { path: 'src/deep/c.ts', content: 'C' },
];

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'csp-write-'));
}

/** Lists every file and directory under dir with file contents, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[`${r}/`] = '';
        walk(p, r);
      } else out[r] = readFileSync(p, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

/** Real fs, but the n-th rename (or write) fails like a full disk would. */
function failingFs(op: 'rename' | 'writeFile', n: number): WriterFs {
  let count = 0;
  const fail = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  return {
    ...fsp,
    rename: async (a, b) => {
      if (op === 'rename' && ++count === n) throw fail();
      return fsp.rename(a, b);
    },
    writeFile: async (p, d) => {
      if (op === 'writeFile' && ++count === n) throw fail();
      return fsp.writeFile(p, d);
    },
  } as WriterFs;
}

describe('writeProject', () => {
  it('creates a new directory (and missing parents) with every file', async () => {
    const root = tmp();
    await writeProject(path.join(root, 'x/y/app'), files);
    expect(snapshot(root)).toEqual({ 'x/': '', 'x/y/': '', 'x/y/app/': '', 'x/y/app/a.txt': 'A', 'x/y/app/src/': '', 'x/y/app/src/b.ts': 'B', 'x/y/app/src/deep/': '', 'x/y/app/src/deep/c.ts': 'C' });
  });

  it('fills an existing directory, keeping what is not generated', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'mine.md'), 'keep');
    writeFileSync(path.join(root, 'a.txt'), 'old');
    await writeProject(root, files);
    expect(snapshot(root)).toMatchObject({ 'mine.md': 'keep', 'a.txt': 'A', 'src/b.ts': 'B', 'src/deep/c.ts': 'C' });
    expect(readdirSync(root).filter((n) => n.includes('staging'))).toEqual([]);
  });

  it.each([1, 2, 3])('leaves nothing behind when writing file %i fails (new target)', async (n) => {
    const root = tmp();
    const error = await writeProject(path.join(root, 'new/app'), files, failingFs('writeFile', n)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe('E_WRITE_FAILED');
    expect((error as CliError).message).toContain('ENOSPC');
    expect(snapshot(root)).toEqual({});
  });

  it.each([1, 2, 3])('restores an existing directory exactly when rename %i fails', async (n) => {
    const root = tmp();
    mkdirSync(path.join(root, '.git'));
    writeFileSync(path.join(root, 'a.txt'), 'old');
    writeFileSync(path.join(root, 'mine.md'), 'keep');
    const before = snapshot(root);
    await expect(writeProject(root, files, failingFs('rename', n))).rejects.toThrow(/Could not write the project/);
    expect(snapshot(root)).toEqual(before);
  });

  it('leaves nothing when the final rename of a new target fails', async () => {
    const root = tmp();
    await expect(writeProject(path.join(root, 'app'), files, failingFs('rename', 1))).rejects.toThrow(CliError);
    expect(snapshot(root)).toEqual({});
  });
});

describe('checkTarget', () => {
  const paths = files.map((f) => f.path);
  const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as CliError).code;

  it('accepts a new path, an empty directory and a lone .git', async () => {
    const root = tmp();
    expect(await checkTarget(path.join(root, 'new'), 'new', paths, false)).toEqual({ exists: false, replaced: [] });
    expect(await checkTarget(root, '.', paths, false)).toEqual({ exists: true, replaced: [] });
    mkdirSync(path.join(root, '.git'));
    expect(await checkTarget(root, '.', paths, false)).toEqual({ exists: true, replaced: [] });
  });

  it('refuses a non-empty directory and lists what is in the way', async () => {
    const root = tmp();
    for (const n of ['b', 'a', 'c', 'd', 'e', 'f', 'g', 'h']) writeFileSync(path.join(root, n), '');
    const error = (await checkTarget(root, 'proj', paths, false).catch((e: unknown) => e)) as CliError;
    expect(error.code).toBe('E_TARGET_NOT_EMPTY');
    expect(error.message).toBe('proj is not empty (a, b, c, d, e, f, and 2 more).');
    expect(error.hint).toMatch(/--force/);
  });

  it('with --force reports which generated files would be replaced', async () => {
    const root = tmp();
    writeFileSync(path.join(root, 'a.txt'), '');
    writeFileSync(path.join(root, 'other'), '');
    expect(await checkTarget(root, '.', paths, true)).toEqual({ exists: true, replaced: ['a.txt'] });
  });

  it('with --force refuses a file where a directory must go, or the reverse', async () => {
    const root = tmp();
    writeFileSync(path.join(root, 'src'), '');
    expect(await code(checkTarget(root, '.', paths, true))).toBe('E_TARGET_NOT_EMPTY');
    const other = tmp();
    mkdirSync(path.join(other, 'a.txt'));
    expect(await code(checkTarget(other, '.', paths, true))).toBe('E_TARGET_NOT_EMPTY');
  });

  it('refuses a target that is a file, or lies under a file', async () => {
    const root = tmp();
    writeFileSync(path.join(root, 'f'), '');
    expect(await code(checkTarget(path.join(root, 'f'), 'f', paths, true))).toBe('E_TARGET_IS_FILE');
    expect(await code(checkTarget(path.join(root, 'f/sub'), 'f/sub', paths, false))).toBe('E_TARGET_IS_FILE');
    expect(existsSync(path.join(root, 'f/sub'))).toBe(false);
  });
});
