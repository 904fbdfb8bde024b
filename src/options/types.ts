import type { Combination } from '../catalog/types.js';

export const RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** What the user may answer, by flag or prompt. Anything left undefined is still to be asked or defaulted. */
export interface Answers {
  directory?: string;
  pattern?: string;
  trigger?: string;
  store?: string;
  iac?: string;
  name?: string;
  runtime?: string;
}

/** How to run, as opposed to what to generate. */
export interface RunFlags {
  yes: boolean;
  interactive?: boolean;
  force: boolean;
  dryRun: boolean;
  list: boolean;
  json: boolean;
  git: boolean;
  install: boolean;
  packageManager?: string;
  color: boolean;
  debug: boolean;
}

/** Everything the generator needs, validated; never mutated after resolve. */
export interface ResolvedConfig extends Combination {
  /** As given by the user (for messages and next steps). */
  directory: string;
  /** Absolute target path. */
  targetDir: string;
  /** npm package name of the generated project. */
  name: string;
  runtime: Runtime;
  /** CloudFormation stack name / Terraform-safe prefix derived from the name. */
  stackName: string;
}
