import { PACKAGE_MANAGERS, type PackageManager } from '../options/types.js';

/** npm, pnpm, yarn and bun all set npm_config_user_agent to "<name>/<version> ...". */
export function detectPackageManager(env: NodeJS.ProcessEnv): PackageManager {
  const name = env.npm_config_user_agent?.split('/')[0];
  return (PACKAGE_MANAGERS as readonly string[]).includes(name ?? '') ? (name as PackageManager) : 'npm';
}

export function installCommand(pm: PackageManager): string[] {
  return pm === 'yarn' ? ['yarn'] : [pm, 'install'];
}

export function runCommand(pm: PackageManager, script: string): string {
  if (pm === 'npm') return script === 'test' ? 'npm test' : `npm run ${script}`;
  if (pm === 'bun') return `bun run ${script}`;
  return `${pm} ${script}`;
}
