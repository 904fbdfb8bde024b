import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (package.json + templates/), found by walking up from this module, so the
 * same code works from src/ (tests), dist/ (tsc output) and the bundle's chunks.
 */
function findRoot(from: string): string {
  let dir = path.dirname(fileURLToPath(from));
  while (!(existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates')))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`create-serverless-pattern: package root not found above ${from}`);
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot(import.meta.url);
export const TEMPLATES_ROOT = path.join(PACKAGE_ROOT, 'templates');
