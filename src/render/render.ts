import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { findUnit } from '../catalog/query.js';
import type { Catalog, Combination, Unit } from '../catalog/types.js';
import { layersFor, type Layer } from '../plan/layers.js';
import { mergeContributions, type Merged } from '../plan/merge.js';
import type { Runtime } from '../options/types.js';
import { compileFile, renderTemplate, type Slots } from './engine.js';

export interface ProjectFile {
  path: string;
  content: string;
}

/** The answers that shape the output; the target directory does not. */
export interface RenderInput extends Combination {
  name: string;
  stackName: string;
  runtime: Runtime;
}

export const GENERATOR = 'create-serverless-pattern';
export const PROVENANCE_FILE = '.serverless-pattern.json';

function walk(dir: string, prefix = ''): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** `_gitignore` → `.gitignore` (npm drops dotfiles from packages); `.hbs` marks a template. */
function destination(relative: string): string {
  const parts = relative.replace(/\.hbs$/, '').split('/');
  const base = parts.pop()!;
  return [...parts, /^_[A-Za-z]/.test(base) ? `.${base.slice(1)}` : base].join('/');
}

function collectSlots(layers: Layer[]): Slots {
  const slots: Slots = new Map();
  for (const layer of layers) {
    const dir = path.join(layer.dir, 'partials');
    for (const rel of walk(dir).sort()) {
      const name = rel.replace(/\.hbs$/, '').replace(/\.[^./]+$/, '');
      slots.set(name, [...(slots.get(name) ?? []), compileFile(path.join(dir, rel))]);
    }
  }
  return slots;
}

function unitView(u: Unit) {
  return { id: u.id, title: u.title, description: u.description, category: u.category ?? '' };
}

function packageJson(input: RenderInput, merged: Merged): string {
  const pkg = {
    name: input.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    scripts: merged.scripts,
    dependencies: merged.dependencies,
    devDependencies: merged.devDependencies,
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export function provenance(input: RenderInput, version: string): string {
  const { pattern, trigger, store, iac, name, runtime } = input;
  return `${JSON.stringify({ generator: GENERATOR, version, answers: { name, pattern, trigger, store, iac, runtime } }, null, 2)}\n`;
}

/** The whole project in memory, sorted by path; nothing touches the disk but template reads. */
export function renderProject(catalog: Catalog, input: RenderInput, version: string): ProjectFile[] {
  const layers = layersFor(catalog, input);
  const merged = mergeContributions(catalog, layers);
  const slots = collectSlots(layers);
  const unit = (kind: keyof Combination) => unitView(findUnit(catalog, kind, input[kind])!);
  const context = {
    name: input.name,
    stackName: input.stackName,
    runtime: input.runtime,
    nodeMajor: input.runtime.replace(/^nodejs(\d+)\.x$/, '$1'),
    pattern: unit('pattern'),
    trigger: unit('trigger'),
    store: unit('store'),
    iac: unit('iac'),
    generator: { name: GENERATOR, version },
    env: merged.env,
    functions: merged.functions,
  };
  const files = new Map<string, { content: string; layer: string }>();
  const add = (dest: string, content: string, layer: string) => {
    const previous = files.get(dest);
    if (previous) throw new CliError('E_TEMPLATE', `Both layer ${previous.layer} and layer ${layer} write ${dest}.`, 'A destination may be claimed by one layer only.');
    files.set(dest, { content, layer });
  };
  for (const layer of layers) {
    const dir = path.join(layer.dir, 'files');
    for (const rel of walk(dir)) {
      const source = path.join(dir, rel);
      let content: string;
      try {
        content = rel.endsWith('.hbs') ? renderTemplate(compileFile(source), context, slots) : readFileSync(source, 'utf8');
      } catch (error) {
        throw new CliError('E_TEMPLATE', `Template ${path.relative(catalog.root, source)}: ${(error as Error).message}`, undefined, { cause: error });
      }
      add(destination(rel), content, layer.key);
    }
  }
  add('package.json', packageJson(input, merged), 'generator');
  add(PROVENANCE_FILE, provenance(input, version), 'generator');
  return [...files.entries()].map(([p, f]) => ({ path: p, content: f.content })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
