import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, RedisCircuitStore, createRedisClient, type RedisClient } from '../../src/adapters/store.js';
import { CircuitBreaker } from '../../src/core/breaker.js';
import type { BreakerConfig } from '../../src/core/config.js';
import { recordingObserver } from '../support/recording-observer.js';

/**
 * Runs the Redis adapter against a real Redis or Valkey.
 *   redis-server --port 6390 --save ''      # or: docker compose up -d
 *   REDIS_URL=redis://127.0.0.1:6390 npm run test:integration
 * Every test uses its own random circuit key; nothing else in the database is touched.
 */
const url = process.env.REDIS_URL;
if (!url) {
  console.warn(
    "[integration] SKIPPED redis-store: set REDIS_URL (e.g. redis://127.0.0.1:6390 after `docker compose up -d` " +
      "or `redis-server --port 6390 --save ''`) to run the Redis adapter tests.",
  );
}

const T0 = 1_700_000_000_000;
const W = { windowMs: 60_000, bucketMs: 10_000 };
const config: BreakerConfig = { failureThreshold: 5, ...W, cooldownMs: 30_000, probeLeaseMs: 10_000, onStoreError: 'fail-open' };

/** A loopback port nobody listens on: the store is "down". */
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

describe.skipIf(!url)('Redis CircuitStore (integration)', () => {
  let client: RedisClient;
  let store: RedisCircuitStore;
  const key = () => `circuit#https://${randomUUID()}.test`;
  const raw = (k: string) => client.hgetall(k);

  beforeAll(async () => {
    client = createRedisClient({ url: url!, cluster: process.env.REDIS_CLUSTER === 'true' });
    store = new RedisCircuitStore({ client, ttlSeconds: 3_600 });
    await client.connect();
  });

  afterAll(async () => {
    await client?.quit().catch(() => undefined);
  });

  it('reads a missing circuit as closed', async () => {
    expect(await store.get(key(), T0)).toEqual({ state: 'closed', version: 0, openUntil: 0 });
  });

  it('counts failures per bucket, slides the window and prunes stale buckets', async () => {
    const k = key();
    for (let i = 0; i < 3; i++) expect((await store.recordFailure(k, { nowMs: T0, ...W })).failures).toBe(i + 1);
    expect((await store.recordFailure(k, { nowMs: T0 + 30_000, ...W })).failures).toBe(4);
    const later = await store.recordFailure(k, { nowMs: T0 + 65_000, ...W }); // bucket T0 left the window
    expect(later.failures).toBe(2);
    const hash = await raw(k);
    expect(Object.keys(hash).filter((f) => f.startsWith('f:')).sort()).toEqual([`f:${T0 + 30_000}`, `f:${T0 + 60_000}`]);
    expect(Number(hash.expiresAt)).toBe(Math.floor((T0 + 65_000) / 1000) + 3_600);
  });

  it('walks closed → open → half-open → closed with guarded transitions', async () => {
    const k = key();
    const rec = await store.recordFailure(k, { nowMs: T0, ...W });
    expect(await store.tryOpen(k, rec.snapshot.version + 1, T0 + 30_000, T0)).toBe(false); // stale version
    expect(await store.tryOpen(k, rec.snapshot.version, T0 + 30_000, T0)).toBe(true);
    expect(await store.tryOpen(k, rec.snapshot.version, T0 + 30_000, T0)).toBe(false); // already open
    expect(await store.get(k, T0)).toMatchObject({ state: 'open', openUntil: T0 + 30_000, version: rec.snapshot.version + 1 });
    expect(Object.keys(await raw(k)).filter((f) => f.startsWith('f:'))).toEqual([]); // opening clears the window
    expect(await store.recordFailure(k, { nowMs: T0, ...W })).toMatchObject({ recorded: false, failures: 0 });

    expect((await store.acquireProbe(k, 'p1', T0 + 20_000, T0 + 10_000)).acquired).toBe(false); // cooling down
    expect((await store.acquireProbe(k, 'p1', T0 + 40_000, T0 + 30_000)).acquired).toBe(true);
    const lost = await store.acquireProbe(k, 'p2', T0 + 41_000, T0 + 31_000);
    expect(lost).toEqual({ acquired: false, snapshot: expect.objectContaining({ state: 'half-open', probeId: 'p1', probeLeaseUntil: T0 + 40_000 }) });
    expect(await store.closeFromProbe(k, 'p2', T0 + 32_000)).toBe(false); // not the probe
    expect(await store.reopenFromProbe(k, 'p2', T0 + 90_000, T0 + 32_000)).toBe(false);
    expect(await store.closeFromProbe(k, 'p1', T0 + 32_000)).toBe(true);
    expect(await store.closeFromProbe(k, 'p1', T0 + 32_000)).toBe(false); // only once

    const after = await store.get(k, T0 + 32_000);
    expect(after).toMatchObject({ state: 'closed', openUntil: 0 });
    expect(after.probeId).toBeUndefined();
    // Window reset: the pre-open failure at T0 no longer counts.
    expect((await store.recordFailure(k, { nowMs: T0 + 33_000, ...W })).failures).toBe(1);
  });

  it('re-opens after a failed probe and lets a new probe in when a lease expires', async () => {
    const k = key();
    const rec = await store.recordFailure(k, { nowMs: T0, ...W });
    await store.tryOpen(k, rec.snapshot.version, T0 + 30_000, T0);
    expect((await store.acquireProbe(k, 'crashed', T0 + 40_000, T0 + 30_000)).acquired).toBe(true);
    expect((await store.acquireProbe(k, 'early', T0 + 49_000, T0 + 39_999)).acquired).toBe(false); // lease still held
    expect((await store.acquireProbe(k, 'p2', T0 + 50_000, T0 + 40_000)).acquired).toBe(true); // lease expired
    expect(await store.closeFromProbe(k, 'crashed', T0 + 45_000)).toBe(false); // the old probe lost its lease
    expect(await store.reopenFromProbe(k, 'crashed', T0 + 80_000, T0 + 45_000)).toBe(false);
    expect(await store.reopenFromProbe(k, 'p2', T0 + 75_000, T0 + 45_000)).toBe(true);
    expect(await store.get(k, T0 + 45_000)).toMatchObject({ state: 'open', openUntil: T0 + 75_000 });
    expect((await raw(k)).probeId).toBeUndefined();
  });

  it('ignores a record past its TTL and resets it on the next failure', async () => {
    const k = key();
    const short = new RedisCircuitStore({ client, ttlSeconds: 120 });
    const rec = await short.recordFailure(k, { nowMs: T0, ...W });
    await short.tryOpen(k, rec.snapshot.version, T0 + 3_600_000, T0);
    const later = T0 + 121_000;
    expect(await short.get(k, later)).toEqual({ state: 'closed', version: 0, openUntil: 0 });
    expect((await short.acquireProbe(k, 'p', later + 10_000, later)).acquired).toBe(false);
    expect(await short.tryOpen(k, rec.snapshot.version + 1, later + 30_000, later)).toBe(false);
    const fresh = await short.recordFailure(k, { nowMs: later, ...W });
    expect(fresh).toMatchObject({ recorded: true, failures: 1, snapshot: { state: 'closed' } });
    expect(fresh.snapshot.version).toBeGreaterThan(rec.snapshot.version + 1); // versions never repeat
    expect((await raw(k)).state).toBe('closed');
  });

  it('sets a Redis TTL on every write, so abandoned circuits are deleted', async () => {
    const k = key();
    await store.recordFailure(k, { nowMs: T0, ...W });
    const ttl = await client.ttl(k);
    expect(ttl).toBeGreaterThan(3_590);
    expect(ttl).toBeLessThanOrEqual(3_600);

    const k2 = key();
    const brief = new RedisCircuitStore({ client, ttlSeconds: 1 });
    await brief.recordFailure(k2, { nowMs: Date.now(), ...W });
    expect(await client.exists(k2)).toBe(1);
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await client.exists(k2)).toBe(0);
  });

  it('50 concurrent failures: no lost increment', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.recordFailure(k, { nowMs: T0 + 1, ...W })));
    expect(results.map((r) => r.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(Number((await raw(k))[`f:${T0}`])).toBe(50);
  });

  it('50 concurrent failing callers open the circuit exactly once', async () => {
    const k = key();
    const rec = recordingObserver();
    const breaker = new CircuitBreaker({ store, config, clock: () => T0 + 2, observer: rec.observer });
    await Promise.all(Array.from({ length: 50 }, () => breaker.execute(k, async () => 'fail', () => true)));
    expect(rec.path()).toEqual(['closed->open']);
    expect(rec.storeErrors).toEqual([]);
    expect(await store.get(k, T0 + 2)).toMatchObject({ state: 'open', version: 1, openUntil: T0 + 2 + 30_000 });
  });

  it('20 concurrent callers in half-open: exactly one probe', async () => {
    const k = key();
    const rec0 = await store.recordFailure(k, { nowMs: T0, ...W });
    await store.tryOpen(k, rec0.snapshot.version, T0 + 30_000, T0);
    const elections = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.acquireProbe(k, `p${i}`, T0 + 40_000, T0 + 30_000)),
    );
    expect(elections.filter((e) => e.acquired)).toHaveLength(1);
    const winner = (await store.get(k, T0 + 30_000)).probeId;
    expect(elections.filter((e) => !e.acquired).every((e) => e.snapshot?.probeId === winner)).toBe(true);

    // Same through the breaker: a fresh open circuit, 20 callers, one downstream call.
    const k2 = key();
    const rec = recordingObserver();
    let now = T0;
    const breaker = new CircuitBreaker({ store, config: { ...config, failureThreshold: 1 }, clock: () => now, observer: rec.observer });
    await breaker.execute(k2, async () => 'fail', () => true);
    now += 30_000;
    let calls = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        breaker.execute(k2, async () => (calls++, await new Promise((r) => setTimeout(r, 50)), 'ok'), () => false),
      ),
    );
    expect(calls).toBe(1);
    expect(results.filter((r) => r.kind === 'rejected')).toHaveLength(19);
    expect(rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('an unreachable Redis fails fast and the store-error policy applies', async () => {
    const port = await closedPort();
    const downClient = createRedisClient({ url: `redis://127.0.0.1:${port}` });
    const down = new RedisCircuitStore({ client: downClient, ttlSeconds: 3_600 });
    onTestFinished(() => downClient.disconnect());
    const started = Date.now();
    await expect(down.get(key(), T0)).rejects.toThrow();
    await expect(down.recordFailure(key(), { nowMs: T0, ...W })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2 * CONNECT_TIMEOUT_MS + COMMAND_TIMEOUT_MS);

    const rec = recordingObserver();
    const failOpen = new CircuitBreaker({ store: down, config, clock: () => T0, observer: rec.observer });
    expect(await failOpen.execute(key(), async () => 'ok', () => false)).toEqual({ kind: 'executed', result: 'ok', role: 'bypass' });
    const failClosed = new CircuitBreaker({ store: down, config: { ...config, onStoreError: 'fail-closed' }, clock: () => T0 });
    expect(await failClosed.execute(key(), async () => 'ok', () => false)).toMatchObject({ kind: 'rejected', reason: 'store-unavailable' });
    expect(rec.storeErrors.length).toBeGreaterThan(0);
  });
});
