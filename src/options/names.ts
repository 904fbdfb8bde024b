import validate from 'validate-npm-package-name';
import { CliError } from '../errors.js';

/** The npm package name must be one npm accepts for a new package; it lands in package.json, YAML and HCL. */
export function checkPackageName(name: string, fromFlag: boolean): void {
  const result = validate(name);
  if (result.validForNewPackages) return;
  const reasons = [...(result.errors ?? []), ...(result.warnings ?? [])];
  throw new CliError(
    'E_INVALID_NAME',
    `Invalid npm package name "${name}": ${reasons.join('; ')}.`,
    fromFlag
      ? 'Use lowercase letters, digits, "-", "." or "_" (optionally @scope/name), e.g. --name my-service.'
      : 'Choose another directory name or pass --name <npm-package-name>.',
  );
}

/** A package name from a directory name: lowercased, with anything npm rejects turned into "-". */
export function nameFromDirectory(basename: string): string {
  return basename
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 214);
}

/**
 * A CloudFormation stack name ([A-Za-z][-A-Za-z0-9]*, at most 128) that is also a valid
 * prefix for Terraform identifiers and AWS resource names.
 */
export function stackNameFrom(packageName: string): string {
  let s = packageName
    .replace(/^@/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[A-Za-z]/.test(s)) s = `app-${s}`;
  return s.slice(0, 128).replace(/-+$/, '');
}
