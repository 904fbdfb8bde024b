import { keys, type GrantTarget, type PermissionAdmin, type PermissionLookup, type PermissionStore, type Principal } from '../../src/core/store.js';

/** In-memory PermissionStore with the same semantics as the real adapters (expiry in epoch seconds). */
export class MemoryPermissionStore implements PermissionStore, PermissionAdmin {
  readonly records = new Map<string, { permissions?: string[]; expiresAt?: number }>();
  lookups = 0;
  failWith: Error | undefined;

  async lookup(p: Principal, nowSeconds: number): Promise<PermissionLookup> {
    this.lookups += 1;
    if (this.failWith) throw this.failWith;
    const live = (key: string) => {
      const r = this.records.get(key);
      return r && (r.expiresAt === undefined || r.expiresAt > nowSeconds) ? r : undefined;
    };
    if (p.jti && live(keys.revokedToken(p.jti))) return { permissions: new Set(), revoked: 'token' };
    if (live(keys.revokedSubject(p.sub))) return { permissions: new Set(), revoked: 'subject' };
    const permissions = new Set<string>();
    for (const key of [keys.grant({ sub: p.sub }), ...p.groups.map((group) => keys.grant({ group }))]) {
      for (const perm of live(key)?.permissions ?? []) permissions.add(perm);
    }
    return { permissions, revoked: false };
  }

  async grant(target: GrantTarget, permissions: readonly string[], expiresAt?: number): Promise<void> {
    this.records.set(keys.grant(target), { permissions: [...permissions], ...(expiresAt ? { expiresAt } : {}) });
  }

  async revokeToken(jti: string, expiresAt: number): Promise<void> {
    this.records.set(keys.revokedToken(jti), { expiresAt });
  }

  async revokeSubject(sub: string, expiresAt: number): Promise<void> {
    this.records.set(keys.revokedSubject(sub), { expiresAt });
  }
}
