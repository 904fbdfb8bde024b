// Zips each bundle dist/<function>/ (from `npm run build`) into dist/<function>.zip, the
// package Terraform uploads (filename + source_code_hash in terraform/).
//
// The zip is reproducible: entries sorted, fixed timestamps and permissions. An unchanged
// bundle keeps its hash, so `terraform plan` shows no change for the function.
import { zipSync } from 'fflate';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The function names: the folders `npm run build` writes under dist/. */
const functions = [
  "worker",
];

// fflate writes DOS timestamps in local time; this one is the earliest a zip can hold.
const file = { mtime: new Date(1980, 0, 1), os: 3, attrs: 0o100644 << 16 };

async function walk(dir, prefix = '') {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])));
  return files.flat().sort();
}

for (const name of functions) {
  const dir = path.join('dist', name);
  let names;
  try {
    names = await walk(dir);
  } catch {
    console.error(`${dir}/ is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  const entries = {};
  for (const n of names) entries[n] = [await readFile(path.join(dir, n)), file];
  const zip = zipSync(entries, { level: 9 });
  await writeFile(`${dir}.zip`, zip);
  console.log(`packaged ${dir}.zip (${(zip.length / 1024).toFixed(0)} KiB, ${names.length} files)`);
}
