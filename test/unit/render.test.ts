import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { CliError } from '../../src/errors.js';
import { shardOf, sourceHash } from '../../src/render/engine.js';
import { renderProject, type RenderInput } from '../../src/render/render.js';
import { PACKAGE_ROOT, TEMPLATES_ROOT } from '../../src/paths.js';
import { FIXTURE_ROOT, fixtureCatalog } from '../helpers/fixture.js';

const input = (over: Partial<RenderInput> = {}): RenderInput => ({
  pattern: 'alpha', trigger: 'web', store: 'kv', iac: 'yamlish', name: 'demo', stackName: 'demo', runtime: 'nodejs24.x', ...over,
});
const file = (files: { path: string; content: string }[], p: string) => files.find((f) => f.path === p)?.content;

function copyFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csp-catalog-'));
  cpSync(FIXTURE_ROOT, dir, { recursive: true });
  return dir;
}

describe('renderProject', () => {
  it('stacks layers: base, iac, pattern and the pattern overlays, with dotfiles renamed', () => {
    const files = renderProject(fixtureCatalog(), input(), '9.9.9');
    expect(files.map((f) => f.path)).toEqual(['.gitignore', '.serverless-pattern.json', 'README.md', 'core.ts', 'package.json', 'stack.yaml']);
    expect(file(files, 'core.ts')).toBe('export const pattern = "alpha";\n');
  });

  it('fills a slot with each layer\'s partial in layer order, indented', () => {
    const files = renderProject(fixtureCatalog(), input(), '1.0.0');
    expect(file(files, 'stack.yaml')).toBe('Stack: "demo"\nResources:\n  Fn:\n    Type: Function\n    Name: "demo"\n\n  Table:\n    Type: KV\n');
  });

  it('removes a slot no layer of the combination fills, with its line', () => {
    const files = renderProject(fixtureCatalog(), input({ trigger: 'cron', store: 'sql' }), '1.0.0');
    expect(file(files, 'stack.yaml')).toBe('Stack: "demo"\nResources:\n');
  });

  it('merges package.json from contributions with versions from the one table', () => {
    const pkg = JSON.parse(file(renderProject(fixtureCatalog(), input(), '1.0.0'), 'package.json')!);
    expect(pkg).toMatchObject({ name: 'demo', private: true, type: 'module' });
    expect(pkg.dependencies).toEqual({ 'kv-client': '2.0.0', 'left-pad': '1.3.0' });
    expect(pkg.devDependencies).toEqual({ typescript: '5.9.3' });
    expect(pkg.scripts).toEqual({ test: 'echo base', build: 'echo build' });
    const other = JSON.parse(file(renderProject(fixtureCatalog(), input({ store: 'sql' }), '1.0.0'), 'package.json')!);
    expect(other.dependencies).toEqual({ 'left-pad': '1.3.0' });
  });

  it('feeds env contributions of every layer to templates', () => {
    const readme = file(renderProject(fixtureCatalog(), input(), '1.0.0'), 'README.md')!;
    expect(readme).toContain('| ALPHA_LIMIT | 5 |');
    expect(readme).toContain('| TABLE |  |');
  });

  it('records provenance without a timestamp and is deterministic', () => {
    const a = renderProject(fixtureCatalog(), input(), '1.2.3');
    const b = renderProject(fixtureCatalog(), input(), '1.2.3');
    expect(a).toEqual(b);
    expect(JSON.parse(file(a, '.serverless-pattern.json')!)).toEqual({
      generator: 'create-serverless-pattern',
      version: '1.2.3',
      answers: { name: 'demo', pattern: 'alpha', trigger: 'web', store: 'kv', iac: 'yamlish', runtime: 'nodejs24.x' },
    });
  });

  it('escapes user values for YAML so a hostile name cannot inject keys', () => {
    const stack = file(renderProject(fixtureCatalog(), input({ stackName: 'x"\nEvil: true' }), '1.0.0'), 'stack.yaml')!;
    expect(stack.split('\n')[0]).toBe('Stack: "x\\"\\nEvil: true"');
  });

  it('refuses two layers claiming one destination', () => {
    const root = copyFixture();
    mkdirSync(path.join(root, 'triggers/web/files'), { recursive: true });
    writeFileSync(path.join(root, 'triggers/web/files/core.ts'), 'clash');
    expect(() => renderProject(loadCatalog(root), input(), '1.0.0')).toThrow(/Both layer trigger and layer pattern write core\.ts/);
  });

  it('fails on a missing variable (strict) and names the template', () => {
    const root = copyFixture();
    writeFileSync(path.join(root, 'patterns/alpha/files/bad.txt.hbs'), '{{nope}}');
    const attempt = () => renderProject(loadCatalog(root), input(), '1.0.0');
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(/patterns\/alpha\/files\/bad\.txt\.hbs.*nope/);
  });

  it('does not HTML-escape', () => {
    const root = copyFixture();
    writeFileSync(path.join(root, 'patterns/alpha/files/x.txt.hbs'), '{{name}}');
    expect(file(renderProject(loadCatalog(root), input({ name: 'a&b<c>' }), '1.0.0'), 'x.txt')).toBe('a&b<c>');
  });

  it('rejects a dependency that the version table lacks', () => {
    const root = copyFixture();
    writeFileSync(path.join(root, 'stores/sql/manifest.json'), JSON.stringify({ title: 'SQL', description: 'd', contributes: { dependencies: ['pg'] } }));
    expect(() => renderProject(loadCatalog(root), input({ store: 'sql' }), '1.0.0')).toThrow(/depends on "pg", which templates\/versions.json does not list/);
  });

  it('rejects a manifest that supports an unknown unit', () => {
    const root = copyFixture();
    writeFileSync(path.join(root, 'patterns/beta/manifest.json'), JSON.stringify({ title: 'B', description: 'd', supports: { trigger: ['ftp'], store: ['sql'], iac: ['yamlish'] } }));
    expect(() => loadCatalog(root)).toThrow(/supports unknown trigger "ftp"/);
  });
});

describe('precompiled templates (npm run build)', () => {
  // The CLI starts fast only when it never loads the Handlebars compiler: every template must have
  // an up-to-date precompiled form in its layer's file, and only its layer's file.
  it('cover every template of the catalog, each in its own layer file, with the current source hash', () => {
    const require = createRequire(import.meta.url);
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.hbs') ? [path.join(dir, e.name)] : []));
    const templates = walk(TEMPLATES_ROOT);
    expect(templates.length).toBeGreaterThan(100);
    const stale = templates.filter((file) => {
      const key = path.relative(TEMPLATES_ROOT, file).split(path.sep).join('/');
      const shard = require(path.join(PACKAGE_ROOT, 'dist/precompiled', `${shardOf(key)}.cjs`)) as Record<string, { hash: string }>;
      return shard[key]?.hash !== sourceHash(readFileSync(file, 'utf8'));
    });
    expect(stale).toEqual([]);
    expect(shardOf('patterns/gatekeeper/triggers/rest/partials/sam/resources.yaml.hbs')).toBe('patterns__gatekeeper__triggers__rest');
    expect(shardOf('patterns/gatekeeper/files/README.md.hbs')).toBe('patterns__gatekeeper');
    expect(shardOf('base/files/_gitignore.hbs')).toBe('base');
  });
});
