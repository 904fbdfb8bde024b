import { CliError } from '../errors.js';
import type { Catalog, EnvVar, LambdaFunction } from '../catalog/types.js';
import type { Layer } from './layers.js';

export interface Merged {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
  env: EnvVar[];
  functions: LambdaFunction[];
}

function pin(catalog: Catalog, names: string[], layer: Layer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const version = catalog.versions[name];
    if (!version) throw new CliError('E_TEMPLATE', `Layer ${layer.key} (${layer.dir}) depends on "${name}", which templates/versions.json does not list.`);
    out[name] = version;
  }
  return out;
}

// Code-unit order, not localeCompare: the first localeCompare in a process loads ICU's collator
// (about 6 ms of start-up), and package names are ASCII, where both orders agree.
function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Shared files are built from every layer's contributions, in layer order; a later script of the same name wins. */
export function mergeContributions(catalog: Catalog, layers: Layer[]): Merged {
  const merged: Merged = { dependencies: {}, devDependencies: {}, scripts: {}, env: [], functions: [] };
  for (const layer of layers) {
    const c = layer.contributes;
    Object.assign(merged.dependencies, pin(catalog, c.dependencies ?? [], layer));
    Object.assign(merged.devDependencies, pin(catalog, c.devDependencies ?? [], layer));
    Object.assign(merged.scripts, c.scripts ?? {});
    for (const e of c.env ?? []) {
      if (merged.env.some((x) => x.name === e.name)) throw new CliError('E_TEMPLATE', `Environment variable ${e.name} is declared twice (layer ${layer.key}).`);
      merged.env.push(e);
    }
    merged.functions.push(...(c.functions ?? []));
  }
  for (const name of Object.keys(merged.dependencies)) delete merged.devDependencies[name];
  merged.dependencies = sorted(merged.dependencies);
  merged.devDependencies = sorted(merged.devDependencies);
  return merged;
}
