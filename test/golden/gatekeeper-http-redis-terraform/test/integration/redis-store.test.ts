import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPermissionStore, createRedisClient, type RedisClient } from '../../src/adapters/store.js';
import { MAX_GROUPS } from '../../src/core/store.js';

/**
 * Runs the Redis adapter against a real Redis or Valkey.
 *   redis-server --port 6390 --save ''      # or: docker compose up -d
 *   REDIS_URL=redis://127.0.0.1:6390 npm run test:integration
 * Every test uses its own random subject; nothing else in the database is touched.
 */
const url = process.env.REDIS_URL;
if (!url) {
  console.warn(
    "[integration] SKIPPED redis-store: set REDIS_URL (e.g. redis://127.0.0.1:6390 after `docker compose up -d` " +
      "or `redis-server --port 6390 --save ''`) to run the Redis adapter tests.",
  );
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!url)('Redis PermissionStore (integration)', () => {
  let client: RedisClient;
  let store: RedisPermissionStore;
  const sub = () => `user-${randomUUID()}`;

  beforeAll(async () => {
    client = createRedisClient({ url: url!, cluster: process.env.REDIS_CLUSTER === 'true' });
    store = new RedisPermissionStore({ client });
  });
  afterAll(async () => {
    await client?.quit().catch(() => undefined);
  });

  it('returns nothing for an unknown subject', async () => {
    expect(await store.lookup({ sub: sub(), groups: [], jti: 'j-1' }, nowSeconds())).toEqual({ permissions: new Set(), revoked: false });
  });

  it('merges the grants of the subject and of its groups, ignoring other groups', async () => {
    const s = sub();
    await store.grant({ sub: s }, ['orders:write']);
    await store.grant({ group: `g1-${s}` }, ['admin', 'orders:read']);
    await store.grant({ group: `g2-${s}` }, ['reports:read']);
    const found = await store.lookup({ sub: s, groups: [`g1-${s}`, `unknown-${s}`] }, nowSeconds());
    expect([...found.permissions].sort()).toEqual(['admin', 'orders:read', 'orders:write']);
  });

  it('treats a record past its expiry as absent (logical expiry), and Redis deletes it (EXAT)', async () => {
    const s = sub();
    const now = nowSeconds();
    await store.grant({ sub: s }, ['orders:write'], now + 60);
    expect((await store.lookup({ sub: s, groups: [] }, now)).permissions).toEqual(new Set(['orders:write']));
    expect((await store.lookup({ sub: s, groups: [] }, now + 61)).permissions).toEqual(new Set());
    const ttl = await client.ttl(`gk:grant#sub#${s}`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    await store.revokeSubject(s, now - 1); // already expired: Redis drops it at once
    expect(await client.exists(`gk:revoked#sub#${s}`)).toBe(0);
  });

  it('reports a revoked token id, and only that token', async () => {
    const s = sub();
    const now = nowSeconds();
    await store.revokeToken(`jti-${s}`, now + 600);
    expect(await store.lookup({ sub: s, groups: [], jti: `jti-${s}` }, now)).toMatchObject({ revoked: 'token' });
    expect(await store.lookup({ sub: s, groups: [], jti: `other-${s}` }, now)).toMatchObject({ revoked: false });
  });

  it('reports a revoked subject whatever the token, hiding its grants', async () => {
    const s = sub();
    await store.grant({ sub: s }, ['admin']);
    await store.revokeSubject(s, nowSeconds() + 600);
    expect(await store.lookup({ sub: s, groups: [], jti: 'any' }, nowSeconds())).toEqual({ permissions: new Set(), revoked: 'subject' });
  });

  it('looks up the maximum number of groups in one decision and refuses more', async () => {
    const s = sub();
    const groups = Array.from({ length: MAX_GROUPS }, (_, i) => `g${i}-${s}`);
    await store.grant({ group: groups.at(-1)! }, ['last']);
    expect((await store.lookup({ sub: s, groups, jti: 'j' }, nowSeconds())).permissions).toEqual(new Set(['last']));
    await expect(store.lookup({ sub: s, groups: [...groups, 'one-more'] }, nowSeconds())).rejects.toThrow(/groups/);
  });

  it('fails fast (so the authorizer denies) when the server is unreachable', async () => {
    const down = createRedisClient({ url: `redis://127.0.0.1:${await closedPort()}` });
    const started = Date.now();
    await expect(new RedisPermissionStore({ client: down }).lookup({ sub: sub(), groups: [] }, nowSeconds())).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    down.disconnect();
  });
});
