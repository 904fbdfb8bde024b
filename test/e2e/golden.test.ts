import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, cli, tmp, tree } from '../helpers/cli.js';

const cases = JSON.parse(readFileSync(path.join(REPO, 'test/golden/cases.json'), 'utf8')) as { name: string; args: string[] }[];

/** Byte-for-byte against test/golden/<case>/. Never updated here: `npm run golden:update` is the only way. */
describe.each(cases)('golden: $name', ({ name, args }) => {
  it('generates exactly the committed tree', () => {
    const cwd = tmp();
    const r = cli([...args, '--no-interactive'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const actual = tree(path.join(cwd, args[0]!));
    const expected = tree(path.join(REPO, 'test/golden', name));
    expect(Object.keys(actual).sort(), 'file list').toEqual(Object.keys(expected).sort());
    for (const file of Object.keys(expected)) expect(actual[file], file).toBe(expected[file]);
  });
});
