/**
 * Escapers for values that land in generated files. Every user-derived value goes through one
 * of these in the templates, so no input can break out of a string in any of the formats.
 */

/** A JSON string literal: also a valid TypeScript/JavaScript string literal. */
export function jsonString(value: unknown): string {
  return JSON.stringify(String(value)).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A YAML double-quoted scalar (YAML 1.2 is a superset of JSON strings). */
export function yamlString(value: unknown): string {
  return jsonString(value);
}

/** An HCL quoted string: JSON escapes plus the template sequences ${ and %{. */
export function hclString(value: unknown): string {
  return jsonString(value).replace(/\$\{/g, '$$${').replace(/%\{/g, '%%{');
}

/** A TOML basic string shares JSON's escapes for everything we emit. */
export function tomlString(value: unknown): string {
  return jsonString(value);
}
