import type { ChalkInstance } from 'chalk';
import { combinations } from '../catalog/query.js';
import { DIMENSIONS, DIMENSION_INFO, type Catalog } from '../catalog/types.js';
import type { CliError } from '../errors.js';

export interface Out {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  chalk: ChalkInstance;
}

export function listing(catalog: Catalog) {
  const units = Object.fromEntries(
    DIMENSIONS.map((kind) => [
      DIMENSION_INFO[kind].folder,
      catalog.units[kind].map((u) => ({
        id: u.id,
        title: u.title,
        description: u.description,
        ...(u.category ? { category: u.category } : {}),
        ...(u.supports ? { supports: u.supports } : {}),
      })),
    ]),
  );
  return { ...units, combinations: combinations(catalog) };
}

export function printList(out: Out, catalog: Catalog): void {
  const { chalk } = out;
  const lines: string[] = [];
  for (const kind of DIMENSIONS) {
    lines.push(chalk.bold(`${DIMENSION_INFO[kind].label[0]!.toUpperCase()}${DIMENSION_INFO[kind].label.slice(1)}s (${DIMENSION_INFO[kind].flag})`));
    const width = Math.max(...catalog.units[kind].map((u) => u.id.length));
    for (const u of catalog.units[kind]) lines.push(`  ${chalk.cyan(u.id.padEnd(width))}  ${u.title}: ${u.description}`);
    lines.push('');
  }
  lines.push(chalk.bold('Valid combinations (pattern trigger store iac)'));
  for (const c of combinations(catalog)) lines.push(`  ${DIMENSIONS.map((d) => c[d]).join(' ')}`);
  out.stdout(`${lines.join('\n')}\n`);
}

export function printError(out: Out, error: CliError, debug: boolean): void {
  const { chalk } = out;
  out.stderr(`${chalk.red('error')} ${error.message}\n`);
  if (error.hint) out.stderr(`${chalk.dim('hint')}  ${error.hint}\n`);
  if (debug && error.stack) out.stderr(`${error.stack}\n`);
}

export interface Summary {
  dryRun: boolean;
  directory: string;
  targetDir: string;
  combination: string;
  files: string[];
  replaced: string[];
  nextSteps: string[];
  warnings: string[];
}

export function printSummary(out: Out, s: Summary): void {
  const { chalk } = out;
  const lines = [
    s.dryRun
      ? `${chalk.yellow('Dry run:')} would create ${s.files.length} files in ${s.targetDir} (${s.combination}); nothing was written.`
      : `${chalk.green('Created')} ${s.directory} (${s.combination}): ${s.files.length} files in ${s.targetDir}`,
  ];
  const replaced = new Set(s.replaced);
  for (const f of s.files) lines.push(`  ${replaced.has(f) ? chalk.yellow('replace') : chalk.green('create ')} ${f}`);
  for (const w of s.warnings) lines.push(`${chalk.yellow('warning')} ${w}`);
  if (!s.dryRun) {
    lines.push('', chalk.bold('Next steps:'));
    for (const step of s.nextSteps) lines.push(`  ${chalk.cyan(step)}`);
  }
  out.stdout(`${lines.join('\n')}\n`);
}
