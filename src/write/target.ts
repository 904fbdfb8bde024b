// Synchronous calls: a handful of stats before anything is written (fs/promises alone costs start-up time).
import { accessSync, constants, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';

export interface TargetCheck {
  /** The target directory exists already (empty, a lone .git, or --force). */
  exists: boolean;
  /** Generated paths that already exist and would be replaced (only with --force). */
  replaced: string[];
}

async function statOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

async function checkWritable(dir: string, shown: string): Promise<void> {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new CliError('E_TARGET_UNWRITABLE', `Cannot write to ${shown}: permission denied.`, 'Choose a directory you can write to, or fix its permissions.');
  }
}

/** The nearest existing ancestor must be a writable directory; the missing ones will be created. */
async function checkAncestor(target: string): Promise<void> {
  let dir = path.dirname(target);
  for (;;) {
    const st = await statOrNull(dir);
    if (st) {
      if (!st.isDirectory()) throw new CliError('E_TARGET_IS_FILE', `${dir} is a file, so ${target} cannot be created.`, 'Choose another directory.');
      return checkWritable(dir, dir);
    }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** Every refusal happens here, before anything is written. */
export async function checkTarget(target: string, shown: string, paths: string[], force: boolean): Promise<TargetCheck> {
  const st = await statOrNull(target);
  if (!st) {
    await checkAncestor(target);
    return { exists: false, replaced: [] };
  }
  if (!st.isDirectory()) throw new CliError('E_TARGET_IS_FILE', `${shown} exists and is a file, not a directory.`, 'Choose another directory name.');
  await checkWritable(target, shown);
  const entries = readdirSync(target).filter((e) => e !== '.git').sort();
  if (entries.length === 0) return { exists: true, replaced: [] };
  if (!force) {
    const listed = entries.slice(0, 6).join(', ') + (entries.length > 6 ? `, and ${entries.length - 6} more` : '');
    throw new CliError('E_TARGET_NOT_EMPTY', `${shown} is not empty (${listed}).`, 'Choose an empty or new directory, or pass --force to write into it (only generated files are replaced; nothing is deleted).');
  }
  const replaced: string[] = [];
  for (const rel of paths) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = await statOrNull(path.join(target, ...parts.slice(0, i)));
      if (parent && !parent.isDirectory()) {
        throw new CliError('E_TARGET_NOT_EMPTY', `${path.join(shown, ...parts.slice(0, i))} is a file where the project needs a directory.`, 'Move it away, or generate into another directory.');
      }
    }
    const existing = await statOrNull(path.join(target, rel));
    if (existing?.isDirectory()) throw new CliError('E_TARGET_NOT_EMPTY', `${path.join(shown, rel)} is a directory where the project needs a file.`, 'Move it away, or generate into another directory.');
    if (existing) replaced.push(rel);
  }
  return { exists: true, replaced };
}
