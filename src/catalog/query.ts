import { DIMENSIONS, type Catalog, type Combination, type Dimension, type Unit } from './types.js';

export function findUnit(catalog: Catalog, kind: Dimension, id: string): Unit | undefined {
  return catalog.units[kind].find((u) => u.id === id);
}

/** The ids a dimension may take, given the pattern when one is chosen. */
export function choicesFor(catalog: Catalog, kind: Dimension, patternId?: string): Unit[] {
  if (kind === 'pattern' || patternId === undefined) return catalog.units[kind];
  const pattern = findUnit(catalog, 'pattern', patternId);
  if (!pattern) return catalog.units[kind];
  const allowed = pattern.supports![kind];
  return allowed.map((id) => findUnit(catalog, kind, id)!);
}

export function combinations(catalog: Catalog): Combination[] {
  const out: Combination[] = [];
  for (const pattern of catalog.units.pattern) {
    const s = pattern.supports!;
    for (const trigger of s.trigger) for (const store of s.store) for (const iac of s.iac) out.push({ pattern: pattern.id, trigger, store, iac });
  }
  return out;
}

export function comboKey(c: Combination): string {
  return DIMENSIONS.map((d) => c[d]).join('__');
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest known id, when it is close enough to be a plausible typo. */
export function nearest(input: string, ids: string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const id of ids) {
    const d = id.startsWith(input.toLowerCase()) ? 1 : editDistance(input.toLowerCase(), id);
    if (!best || d < best.d) best = { id, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.id.length / 3)) ? best.id : undefined;
}
