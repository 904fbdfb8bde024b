import Handlebars from 'handlebars/runtime.js';
import type HandlebarsType from 'handlebars';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT, TEMPLATES_ROOT } from '../paths.js';
import { hclString, jsonString, tomlString, yamlString } from './escape.js';

export const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;
const requireCjs = createRequire(import.meta.url);

export type Template = HandlebarsType.TemplateDelegate;
/** Slot name → one template per layer that fills it, in layer order. */
export type Slots = Map<string, Template[]>;

/**
 * Isolated from any other Handlebars user in the process; strict, no HTML escaping. Only the
 * runtime is loaded: the build precompiles the templates (dist/precompiled/*.cjs, one file per
 * layer, so a run loads only its own layers), and the compiler is loaded only for a template that
 * has no up-to-date precompiled form.
 */
const hb = Handlebars.create();
const compiled = new Map<string, Template>();

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : pad + line))
    .join('\n');
}

hb.registerHelper('json', (value: unknown) => jsonString(value));
hb.registerHelper('yaml', (value: unknown) => yamlString(value));
hb.registerHelper('hcl', (value: unknown) => hclString(value));
hb.registerHelper('toml', (value: unknown) => tomlString(value));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
/** `{{#if (hasSlot "sam/conditions")}}`: some layer of this combination fills the slot. */
hb.registerHelper('hasSlot', (name: string, options: HandlebarsType.HelperOptions) => ((options.data as { slots: Slots }).slots.get(name) ?? []).length > 0);
/** What an empty slot renders to; `finish` removes it together with its line. */
const EMPTY_SLOT = '\u0000';

/**
 * `{{slot "sam/resources" indent=2}}`: every layer's partial of that name, in layer order,
 * joined by a blank line (`tight=true`: no blank line). A slot no layer fills disappears with its line.
 */
hb.registerHelper('slot', function (this: unknown, name: string, options: HandlebarsType.HelperOptions) {
  const slots = (options.data as { slots: Slots }).slots;
  const parts = (slots.get(name) ?? []).map((t) => t(this, { data: options.data }).replace(/\s+$/, ''));
  // Layers' contributions are separated by a blank line, or by none with tight=true (table rows, lists).
  const text = parts.filter((p) => p !== '').join(options.hash.tight ? '\n' : '\n\n');
  if (text === '') return EMPTY_SLOT;
  const spaces = Number(options.hash.indent ?? 0);
  return spaces > 0 ? indent(text, spaces) : text;
});

type Spec = Parameters<typeof hb.template>[0];
type Precompiled = Record<string, { hash: string; spec: Spec }>;
const shards = new Map<string, Precompiled>();

/**
 * The precompiled file a template (path relative to templates/) is kept in: one per layer, i.e.
 * `base`, `<kind>/<id>`, or `patterns/<p>/<triggers|stores|iac>/<id>` for a pattern's own overlays.
 */
export function shardOf(key: string): string {
  const parts = key.split('/');
  const depth = parts[0] === 'base' ? 1 : parts[0] === 'patterns' && ['triggers', 'stores', 'iac'].includes(parts[2] ?? '') ? 4 : 2;
  return parts.slice(0, depth).join('__');
}

function loadShard(name: string): Precompiled {
  let shard = shards.get(name);
  if (!shard) {
    try {
      shard = requireCjs(path.join(PACKAGE_ROOT, 'dist', 'precompiled', `${name}.cjs`)) as Precompiled;
    } catch {
      shard = {};
    }
    shards.set(name, shard);
  }
  return shard;
}

/**
 * Fingerprint of a template's source, to tell a precompiled form from an edited template: length
 * plus a 53-bit string hash (cyrb53). Not for security; plain JS because loading node:crypto
 * costs a few milliseconds of start-up.
 */
export function sourceHash(source: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${source.length}:${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}`;
}

const TEMPLATES_PREFIX = TEMPLATES_ROOT + path.sep;

function specOf(file: string, source: string): Spec {
  // Only the installed catalog is precompiled (a test's fixture catalog is not). A prefix test, not
  // path.relative: this runs for every template and start-up time counts.
  const key = file.startsWith(TEMPLATES_PREFIX) ? file.slice(TEMPLATES_PREFIX.length).split(path.sep).join('/') : undefined;
  const entry = key === undefined ? undefined : loadShard(shardOf(key))[key];
  if (entry && entry.hash === sourceHash(source)) return entry.spec;
  const compiler = requireCjs('handlebars') as typeof import('handlebars');
  return new Function(`return ${compiler.precompile(source, COMPILE_OPTIONS)}`)() as Spec;
}

/** Templates are compiled once per process: rendering the whole catalog reuses them. */
export function compileFile(file: string): Template {
  let template = compiled.get(file);
  if (!template) {
    template = hb.template(specOf(file, readFileSync(file, 'utf8')));
    compiled.set(file, template);
  }
  return template;
}

export function renderTemplate(template: Template, context: object, slots: Slots): string {
  return template(context, { data: { slots } })
    .replace(/^[ \t]*\u0000[ \t]*\n/gm, '')
    .replace(/\u0000/g, '');
}
