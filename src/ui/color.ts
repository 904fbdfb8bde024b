import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour only on a terminal. --no-color and NO_COLOR (any non-empty value) switch it off;
 * FORCE_COLOR forces it (0 off, 1–3 levels), as https://no-color.org and chalk document.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean, flag: boolean): 0 | 1 | 2 | 3 {
  if (!flag) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === 'true') return 1;
    const n = Number(force);
    return n >= 0 && n <= 3 ? (Math.trunc(n) as 0 | 1 | 2 | 3) : 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

export function makeChalk(level: 0 | 1 | 2 | 3): ChalkInstance {
  return new Chalk({ level });
}
