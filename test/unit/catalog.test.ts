import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { loadCatalog } from '../../src/catalog/load.js';
import { combinations, comboKey } from '../../src/catalog/query.js';
import { renderProject } from '../../src/render/render.js';

const catalog = loadCatalog();
const combos = combinations(catalog);

function tsErrors(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  return ((source as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the real catalog', () => {
  it('has every dimension and at least one valid combination', () => {
    for (const kind of ['pattern', 'trigger', 'store', 'iac'] as const) expect(catalog.units[kind].length).toBeGreaterThan(0);
    expect(combos.length).toBeGreaterThan(0);
  });

  it('uses every trigger, store and IaC unit in some combination', () => {
    for (const kind of ['trigger', 'store', 'iac'] as const) {
      for (const u of catalog.units[kind]) expect(combos.some((c) => c[kind] === u.id), `${kind} ${u.id}`).toBe(true);
    }
  });

  it('gives every trigger and store overlay of a pattern IaC partials for every IaC tool the pattern supports', () => {
    // A missing partials/<iac>/ folder renders silently (its slots stay empty), so check it here.
    for (const pattern of catalog.units.pattern) {
      for (const kind of ['trigger', 'store'] as const) {
        for (const id of pattern.supports![kind]) {
          const partials = path.join(pattern.dir, `${kind}s`, id, 'partials');
          if (!existsSync(partials)) continue;
          for (const iac of pattern.supports!.iac) {
            expect(existsSync(path.join(partials, iac)), `${pattern.id}/${kind}s/${id}/partials/${iac}`).toBe(true);
          }
        }
      }
    }
  });

  describe.each(combos.map((c) => [comboKey(c), c] as const))('%s', (_key, combo) => {
    const files = renderProject(catalog, { ...combo, name: 'my-service', stackName: 'my-service', runtime: 'nodejs24.x' }, '0.0.0');

    it('renders with no template syntax left', () => {
      for (const f of files) expect(f.content, f.path).not.toContain('{{');
    });

    it('parses: JSON, YAML (with CloudFormation tags) and TypeScript', () => {
      for (const f of files) {
        if (f.path.endsWith('.json')) expect(() => JSON.parse(f.content), f.path).not.toThrow();
        if (/\.ya?ml$/.test(f.path)) {
          for (const doc of parseAllDocuments(f.content)) expect(doc.errors.map(String), f.path).toEqual([]);
        }
        if (/\.(ts|mts|tsx)$/.test(f.path)) expect(tsErrors(f.path, f.content), f.path).toEqual([]);
      }
    });

    it('declares in package.json every package its code imports', () => {
      const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.content);
      const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
      for (const f of files.filter((x) => /\.(ts|mjs)$/.test(x.path))) {
        for (const m of f.content.matchAll(/(?:from|import)\s*\(?\s*['"]([^'".][^'"]*)['"]/g)) {
          const spec = m[1]!;
          if (spec.startsWith('node:')) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          expect(declared.has(name) || declared.has(`@types/${name}`), `${f.path} imports ${name}`).toBe(true);
        }
      }
    });
  });
});
