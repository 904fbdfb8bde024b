export const DIMENSIONS = ['pattern', 'trigger', 'store', 'iac'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The CLI flag and the catalog folder of each dimension. */
export const DIMENSION_INFO: Record<Dimension, { flag: string; folder: string; label: string }> = {
  pattern: { flag: '--pattern', folder: 'patterns', label: 'pattern' },
  trigger: { flag: '--trigger', folder: 'triggers', label: 'trigger' },
  store: { flag: '--store', folder: 'stores', label: 'store' },
  iac: { flag: '--iac', folder: 'iac', label: 'IaC tool' },
};

export interface EnvVar {
  name: string;
  description: string;
  /** Shown in the README; omitted when the IaC supplies the value (e.g. a table name). */
  default?: string;
}

export interface LambdaFunction {
  /** Folder name under dist/ and the build script's key. */
  name: string;
  entry: string;
}

/** What a layer adds to the shared, merged files of the generated project. */
export interface Contributions {
  dependencies?: string[];
  devDependencies?: string[];
  scripts?: Record<string, string>;
  env?: EnvVar[];
  functions?: LambdaFunction[];
}

export interface Unit {
  kind: Dimension;
  id: string;
  title: string;
  description: string;
  /** Absolute path of the unit's folder. */
  dir: string;
  contributes: Contributions;
  /** Patterns only: the triggers, stores and IaC tools the pattern supports, first = default. */
  supports?: Record<Exclude<Dimension, 'pattern'>, string[]>;
  category?: string;
  /** IaC tools only: the usual deploy commands, shown in next steps. */
  deploy?: string[];
}

export interface Catalog {
  root: string;
  units: Record<Dimension, Unit[]>;
  /** Dependency versions for generated projects: one table for all templates. */
  versions: Record<string, string>;
}

export interface Combination {
  pattern: string;
  trigger: string;
  store: string;
  iac: string;
}
