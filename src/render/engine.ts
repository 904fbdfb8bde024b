import Handlebars from 'handlebars/runtime.js';
import type HandlebarsType from 'handlebars';
import { createHash } from 'node:crypto';
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
 * runtime is loaded: the build precompiles the templates (dist/precompiled.cjs), and the
 * compiler is loaded only for a template that has no up-to-date precompiled form.
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
let precompiled: Record<string, { hash: string; spec: Spec }> | undefined;

export function sourceHash(source: string): string {
  return createHash('sha1').update(source).digest('hex');
}

function specOf(file: string, source: string): Spec {
  precompiled ??= (() => {
    try {
      return requireCjs(path.join(PACKAGE_ROOT, 'dist', 'precompiled.cjs')) as Record<string, { hash: string; spec: Spec }>;
    } catch {
      return {};
    }
  })();
  const entry = precompiled[path.relative(TEMPLATES_ROOT, file).split(path.sep).join('/')];
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
