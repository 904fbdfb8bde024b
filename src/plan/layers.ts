import { existsSync } from 'node:fs';
import path from 'node:path';
import { readJson } from '../catalog/load.js';
import { findUnit } from '../catalog/query.js';
import type { Catalog, Combination, Contributions } from '../catalog/types.js';

/**
 * A layer is a folder with optional files/, partials/ and contributions. A project is the base
 * plus one layer per dimension, then the pattern's own overlay for each of its trigger, store
 * and IaC tool: adding a unit means adding folders, never editing a chain of conditionals.
 */
export interface Layer {
  /** base, iac, trigger, store, pattern, pattern.trigger, pattern.store, pattern.iac */
  key: string;
  dir: string;
  contributes: Contributions;
}

function subLayer(key: string, dir: string): Layer | undefined {
  if (!existsSync(dir)) return undefined;
  const file = path.join(dir, 'layer.json');
  return { key, dir, contributes: existsSync(file) ? readJson<{ contributes?: Contributions }>(file).contributes ?? {} : {} };
}

export function layersFor(catalog: Catalog, combo: Combination): Layer[] {
  const unit = (kind: keyof Combination) => {
    const u = findUnit(catalog, kind, combo[kind]);
    if (!u) throw new Error(`unknown ${kind} ${combo[kind]}`);
    return { key: kind, dir: u.dir, contributes: u.contributes };
  };
  const pattern = unit('pattern');
  const layers: (Layer | undefined)[] = [
    subLayer('base', path.join(catalog.root, 'base')),
    unit('iac'),
    unit('trigger'),
    unit('store'),
    pattern,
    subLayer('pattern.trigger', path.join(pattern.dir, 'triggers', combo.trigger)),
    subLayer('pattern.store', path.join(pattern.dir, 'stores', combo.store)),
    subLayer('pattern.iac', path.join(pattern.dir, 'iac', combo.iac)),
  ];
  return layers.filter((l): l is Layer => l !== undefined);
}
