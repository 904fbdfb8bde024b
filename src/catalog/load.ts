import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { DIMENSIONS, DIMENSION_INFO, type Catalog, type Contributions, type Dimension, type Unit } from './types.js';

import { TEMPLATES_ROOT } from '../paths.js';

export { TEMPLATES_ROOT };

interface Manifest {
  title?: unknown;
  description?: unknown;
  category?: unknown;
  order?: unknown;
  supports?: unknown;
  deploy?: unknown;
  contributes?: Contributions;
}

export function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new CliError('E_TEMPLATE', `Cannot read ${file}: ${(error as Error).message}`, 'The installed templates are damaged; reinstall create-serverless-pattern.', { cause: error });
  }
}

function loadUnit(kind: Dimension, dir: string, id: string): Unit & { order: number } {
  const manifest = readJson<Manifest>(path.join(dir, 'manifest.json'));
  const where = `${DIMENSION_INFO[kind].folder}/${id}/manifest.json`;
  if (typeof manifest.title !== 'string' || typeof manifest.description !== 'string') {
    throw new CliError('E_TEMPLATE', `${where} needs a string title and description.`);
  }
  const unit: Unit & { order: number } = {
    kind,
    id,
    title: manifest.title,
    description: manifest.description,
    dir,
    contributes: manifest.contributes ?? {},
    order: typeof manifest.order === 'number' ? manifest.order : 100,
  };
  if (typeof manifest.category === 'string') unit.category = manifest.category;
  if (Array.isArray(manifest.deploy)) unit.deploy = manifest.deploy.map(String);
  if (kind === 'pattern') {
    const supports = manifest.supports as Unit['supports'];
    if (!supports || !Array.isArray(supports.trigger) || !Array.isArray(supports.store) || !Array.isArray(supports.iac)) {
      throw new CliError('E_TEMPLATE', `${where} needs supports.trigger, supports.store and supports.iac lists.`);
    }
    unit.supports = supports;
  }
  return unit;
}

export function loadCatalog(root: string = TEMPLATES_ROOT): Catalog {
  const units = {} as Catalog['units'];
  for (const kind of DIMENSIONS) {
    const folder = path.join(root, DIMENSION_INFO[kind].folder);
    const ids = existsSync(folder)
      ? readdirSync(folder, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(path.join(folder, d.name, 'manifest.json'))).map((d) => d.name)
      : [];
    units[kind] = ids
      .map((id) => loadUnit(kind, path.join(folder, id), id))
      .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) // not localeCompare: see plan/merge.ts
      .map(({ order: _order, ...unit }) => unit);
  }
  const catalog: Catalog = { root, units, versions: readJson<Record<string, string>>(path.join(root, 'versions.json')) };
  checkSupports(catalog);
  return catalog;
}

/** A pattern may only name units that exist: a typo in a manifest must not become a silent hole. */
function checkSupports(catalog: Catalog): void {
  for (const pattern of catalog.units.pattern) {
    for (const kind of ['trigger', 'store', 'iac'] as const) {
      for (const id of pattern.supports![kind]) {
        if (!catalog.units[kind].some((u) => u.id === id)) {
          throw new CliError('E_TEMPLATE', `patterns/${pattern.id}/manifest.json supports unknown ${kind} "${id}".`);
        }
      }
    }
  }
}
