import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/ui/color.js';
import { detectPackageManager, installCommand, runCommand } from '../../src/ui/pm.js';

describe('colorLevel', () => {
  it('colours only a terminal, and honours --no-color, NO_COLOR and FORCE_COLOR', () => {
    expect(colorLevel({}, true, true)).toBe(1);
    expect(colorLevel({}, false, true)).toBe(0);
    expect(colorLevel({}, true, false)).toBe(0);
    expect(colorLevel({ NO_COLOR: '1' }, true, true)).toBe(0);
    expect(colorLevel({ NO_COLOR: '' }, true, true)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '1' }, false, true)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '3' }, false, true)).toBe(3);
    expect(colorLevel({ FORCE_COLOR: '0' }, true, true)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: '1' }, true, false)).toBe(0);
    expect(colorLevel({ TERM: 'dumb' }, true, true)).toBe(0);
  });
});

describe('package manager', () => {
  it('comes from npm_config_user_agent', () => {
    expect(detectPackageManager({ npm_config_user_agent: 'pnpm/9.1.0 npm/? node/v20.0.0 linux x64' })).toBe('pnpm');
    expect(detectPackageManager({ npm_config_user_agent: 'yarn/4.0.0 npm/? node/v20' })).toBe('yarn');
    expect(detectPackageManager({ npm_config_user_agent: 'bun/1.1.0 npm/? node/v22' })).toBe('bun');
    expect(detectPackageManager({ npm_config_user_agent: 'npm/11.0.0 node/v20' })).toBe('npm');
    expect(detectPackageManager({})).toBe('npm');
    expect(detectPackageManager({ npm_config_user_agent: 'weird/1' })).toBe('npm');
  });
  it('gives the install and run commands of each', () => {
    expect(installCommand('yarn')).toEqual(['yarn']);
    expect(installCommand('pnpm')).toEqual(['pnpm', 'install']);
    expect(runCommand('npm', 'test')).toBe('npm test');
    expect(runCommand('npm', 'build')).toBe('npm run build');
    expect(runCommand('pnpm', 'build')).toBe('pnpm build');
    expect(runCommand('bun', 'test')).toBe('bun run test');
  });
});
