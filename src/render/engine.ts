import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { hclString, jsonString, tomlString, yamlString } from './escape.js';

export type Template = Handlebars.TemplateDelegate;
/** Slot name → one template per layer that fills it, in layer order. */
export type Slots = Map<string, Template[]>;

/** Isolated from any other Handlebars user in the process; strict, no HTML escaping. */
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
hb.registerHelper('hasSlot', (name: string, options: Handlebars.HelperOptions) => ((options.data as { slots: Slots }).slots.get(name) ?? []).length > 0);
/** What an empty slot renders to; `finish` removes it together with its line. */
const EMPTY_SLOT = '\u0000';

/**
 * `{{slot "sam/resources" indent=2}}`: every layer's partial of that name, in layer order,
 * joined by a blank line (`tight=true`: no blank line). A slot no layer fills disappears with its line.
 */
hb.registerHelper('slot', function (this: unknown, name: string, options: Handlebars.HelperOptions) {
  const slots = (options.data as { slots: Slots }).slots;
  const parts = (slots.get(name) ?? []).map((t) => t(this, { data: options.data }).replace(/\s+$/, ''));
  // Layers' contributions are separated by a blank line, or by none with tight=true (table rows, lists).
  const text = parts.filter((p) => p !== '').join(options.hash.tight ? '\n' : '\n\n');
  if (text === '') return EMPTY_SLOT;
  const spaces = Number(options.hash.indent ?? 0);
  return spaces > 0 ? indent(text, spaces) : text;
});

/** Templates are compiled once per process: rendering the whole catalog reuses them. */
export function compileFile(file: string): Template {
  let template = compiled.get(file);
  if (!template) {
    template = hb.compile(readFileSync(file, 'utf8'), { strict: true, noEscape: true });
    compiled.set(file, template);
  }
  return template;
}

export function renderTemplate(template: Template, context: object, slots: Slots): string {
  return template(context, { data: { slots } })
    .replace(/^[ \t]*\u0000[ \t]*\n/gm, '')
    .replace(/\u0000/g, '');
}
