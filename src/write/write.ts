import * as syncFs from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import type { ProjectFile } from '../render/render.js';

/** The file operations the writer uses; tests inject failures through it. */
export interface WriterFs {
  mkdir(p: string, o?: { recursive?: boolean }): Promise<unknown>;
  mkdtemp(prefix: string): Promise<string>;
  writeFile(p: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(p: string, o: { recursive: boolean; force: boolean }): Promise<void>;
  rmdir(p: string): Promise<void>;
  lstat(p: string): Promise<unknown>;
}

/**
 * The real file system, through synchronous calls behind the async interface: a project is a few
 * dozen small files, and one syscall each beats a thread-pool round trip each (measured: about
 * 25 ms less per scaffold; docs/benchmarks.md).
 */
export const nodeFs: WriterFs = {
  mkdir: async (p, o) => syncFs.mkdirSync(p, o),
  mkdtemp: async (prefix) => syncFs.mkdtempSync(prefix),
  writeFile: async (p, data) => syncFs.writeFileSync(p, data),
  rename: async (from, to) => syncFs.renameSync(from, to),
  rm: async (p, o) => syncFs.rmSync(p, o),
  rmdir: async (p) => syncFs.rmdirSync(p),
  lstat: async (p) => syncFs.lstatSync(p),
};

async function exists(fs: WriterFs, p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Creates the missing directories of `dir` one by one and returns them, outermost first, for undo. */
async function mkdirs(fs: WriterFs, dir: string): Promise<string[]> {
  if (await exists(fs, dir)) return [];
  const created = await mkdirs(fs, path.dirname(dir));
  await fs.mkdir(dir);
  return [...created, dir];
}

/**
 * All or nothing. Files are first written to a staging folder beside the target (same file
 * system, so renames are atomic). A new target is one rename. An existing one (empty, or with
 * --force) receives the files one rename at a time, replaced files kept aside until the end;
 * any failure puts everything back and removes what was created.
 */
export async function writeProject(target: string, files: ProjectFile[], fs: WriterFs = nodeFs): Promise<void> {
  const createdAncestors = await mkdirs(fs, path.dirname(target)).catch((error: unknown) => {
    throw writeFailed(target, error);
  });
  let staging: string | undefined;
  const undo: (() => Promise<unknown>)[] = [];
  try {
    staging = await fs.mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.staging-`));
    const stagingDir = staging;
    const made = new Set<string>(); // each directory once: a mkdir costs as much as a small file
    for (const file of files) {
      const dest = path.join(stagingDir, 'new', file.path);
      if (!made.has(path.dirname(dest))) {
        await fs.mkdir(path.dirname(dest), { recursive: true });
        for (let d = path.dirname(dest); d.startsWith(stagingDir) && !made.has(d); d = path.dirname(d)) made.add(d);
      }
      await fs.writeFile(dest, file.content);
    }
    if (!(await exists(fs, target))) {
      await fs.rename(path.join(stagingDir, 'new'), target);
    } else {
      await fs.mkdir(path.join(stagingDir, 'old'));
      for (const [i, file] of files.entries()) {
        const dest = path.join(target, file.path);
        for (const dir of await mkdirs(fs, path.dirname(dest))) undo.push(() => fs.rmdir(dir));
        if (await exists(fs, dest)) {
          const kept = path.join(stagingDir, 'old', String(i));
          await fs.rename(dest, kept);
          undo.push(() => fs.rename(kept, dest));
        }
        await fs.rename(path.join(stagingDir, 'new', file.path), dest);
        undo.push(() => fs.rm(dest, { recursive: false, force: true }));
      }
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => {});
    if (staging) await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
    for (const dir of createdAncestors.reverse()) await fs.rmdir(dir).catch(() => {});
    throw writeFailed(target, error);
  } finally {
    if (staging) await fs.rm(staging, { recursive: true, force: true }).catch(() => {});
  }
}

function writeFailed(target: string, error: unknown): CliError {
  const e = error as NodeJS.ErrnoException;
  return new CliError('E_WRITE_FAILED', `Could not write the project to ${target}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim(), 'Nothing was left behind. Check free space and permissions, then run again.', { cause: error });
}
