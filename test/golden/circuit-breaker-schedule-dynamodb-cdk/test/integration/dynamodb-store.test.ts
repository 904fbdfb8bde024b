import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCircuitStore } from '../../src/adapters/store.js';
import { CircuitBreaker } from '../../src/core/breaker.js';
import type { BreakerConfig } from '../../src/core/config.js';
import { recordingObserver } from '../support/recording-observer.js';

/**
 * Runs the DynamoDB adapter against a real DynamoDB API (moto_server, DynamoDB Local or AWS).
 *   docker compose up -d   # or: moto_server -p 5599
 *   AWS_ENDPOINT_URL=http://127.0.0.1:5599 npm run test:integration
 */
const endpoint = process.env.AWS_ENDPOINT_URL;
if (!endpoint) {
  console.warn(
    '[integration] SKIPPED dynamodb-store: set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:5599 after ' +
      '`docker compose up -d` or `moto_server -p 5599`) to run the DynamoDB adapter tests.',
  );
}

/**
 * moto_server keeps DynamoDB items in plain dicts and serves each request on its own thread
 * without per-item locking, so two conditional writes it processes at the same moment can both
 * "succeed" — a moto limitation real DynamoDB (and DynamoDB Local) does not have. Against moto
 * the client therefore sends one request at a time on the wire. The 50 / 20 logical callers
 * still interleave freely (their GetItem, ADD and conditional writes queue in arbitrary order),
 * which is exactly where a read-modify-write bug in our code would lose increments or elect two
 * probes. Against anything else requests go out fully in parallel.
 */
async function isMoto(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/moto-api/', url), { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

const T0 = 1_700_000_000_000;
const W = { windowMs: 60_000, bucketMs: 10_000 };
const config: BreakerConfig = { failureThreshold: 5, ...W, cooldownMs: 30_000, probeLeaseMs: 10_000, onStoreError: 'fail-open' };

describe.skipIf(!endpoint)('DynamoDB CircuitStore (integration)', () => {
  const tableName = `circuit-breaker-it-${randomUUID()}`;
  let client: DynamoDBClient;
  let store: DynamoDbCircuitStore;
  const key = () => `circuit#https://${randomUUID()}.test`;
  const raw = async (k: string) => {
    const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: k } }, ConsistentRead: true }));
    return out.Item ? unmarshall(out.Item) : undefined;
  };

  beforeAll(async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const serialize = await isMoto(endpoint!);
    if (serialize) console.warn('[integration] moto detected: concurrent callers interleave, requests are serialized on the wire');
    client = new DynamoDBClient({
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: serialize ? 1 : 64 }) },
    });
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
    store = new DynamoDbCircuitStore({ client, tableName, ttlSeconds: 3_600 });
  });

  afterAll(async () => {
    await client?.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client?.destroy();
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
    const item = await raw(k);
    expect(Object.keys(item ?? {}).filter((a) => a.startsWith('f_')).sort()).toEqual([`f_${T0 + 30_000}`, `f_${T0 + 60_000}`]);
    expect(item?.expiresAt).toBe(Math.floor((T0 + 65_000) / 1000) + 3_600);
  });

  it('walks closed → open → half-open → closed with guarded transitions', async () => {
    const k = key();
    const rec = await store.recordFailure(k, { nowMs: T0, ...W });
    expect(await store.tryOpen(k, rec.snapshot.version + 1, T0 + 30_000, T0)).toBe(false); // stale version
    expect(await store.tryOpen(k, rec.snapshot.version, T0 + 30_000, T0)).toBe(true);
    expect(await store.tryOpen(k, rec.snapshot.version, T0 + 30_000, T0)).toBe(false); // already open
    expect(await store.get(k, T0)).toMatchObject({ state: 'open', openUntil: T0 + 30_000 });
    expect(await store.recordFailure(k, { nowMs: T0, ...W })).toMatchObject({ recorded: false });

    expect((await store.acquireProbe(k, 'p1', T0 + 20_000, T0 + 10_000)).acquired).toBe(false); // cooling down
    expect((await store.acquireProbe(k, 'p1', T0 + 40_000, T0 + 30_000)).acquired).toBe(true);
    const lost = await store.acquireProbe(k, 'p2', T0 + 41_000, T0 + 31_000);
    expect(lost).toEqual({ acquired: false, snapshot: expect.objectContaining({ state: 'half-open', probeLeaseUntil: T0 + 40_000 }) });
    expect(await store.closeFromProbe(k, 'p2', T0 + 32_000)).toBe(false);
    expect(await store.closeFromProbe(k, 'p1', T0 + 32_000)).toBe(true);

    const after = await store.get(k, T0 + 32_000);
    expect(after).toMatchObject({ state: 'closed' });
    expect(after.probeId).toBeUndefined();
    // Window reset: the pre-open failure at T0 no longer counts.
    expect((await store.recordFailure(k, { nowMs: T0 + 33_000, ...W })).failures).toBe(1);
  });

  it('re-opens after a failed probe and lets a new probe in when a lease expires', async () => {
    const k = key();
    const rec = await store.recordFailure(k, { nowMs: T0, ...W });
    await store.tryOpen(k, rec.snapshot.version, T0 + 30_000, T0);
    expect((await store.acquireProbe(k, 'crashed', T0 + 40_000, T0 + 30_000)).acquired).toBe(true);
    expect((await store.acquireProbe(k, 'p2', T0 + 50_000, T0 + 40_000)).acquired).toBe(true); // lease expired
    expect(await store.reopenFromProbe(k, 'crashed', T0 + 80_000, T0 + 45_000)).toBe(false);
    expect(await store.reopenFromProbe(k, 'p2', T0 + 75_000, T0 + 45_000)).toBe(true);
    expect(await store.get(k, T0 + 45_000)).toMatchObject({ state: 'open', openUntil: T0 + 75_000 });
  });

  it('ignores a record past its TTL and resets it on the next failure', async () => {
    const k = key();
    const short = new DynamoDbCircuitStore({ client, tableName, ttlSeconds: 120 });
    const rec = await short.recordFailure(k, { nowMs: T0, ...W });
    await short.tryOpen(k, rec.snapshot.version, T0 + 3_600_000, T0);
    const later = T0 + 121_000;
    expect(await short.get(k, later)).toEqual({ state: 'closed', version: 0, openUntil: 0 });
    expect(await short.recordFailure(k, { nowMs: later, ...W })).toMatchObject({ recorded: true, failures: 1 });
    expect((await raw(k))?.circuitState).toBe('closed');
  });

  it('50 concurrent failures: no lost increment', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.recordFailure(k, { nowMs: T0 + 1, ...W })));
    expect(results.map((r) => r.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await raw(k))?.[`f_${T0}`]).toBe(50);
  });

  it('50 concurrent failing callers open the circuit exactly once', async () => {
    const k = key();
    const rec = recordingObserver();
    const breaker = new CircuitBreaker({ store, config, clock: () => T0 + 2, observer: rec.observer });
    await Promise.all(Array.from({ length: 50 }, () => breaker.execute(k, async () => 'fail', () => true)));
    expect(rec.path()).toEqual(['closed->open']);
    expect(rec.storeErrors).toEqual([]);
    expect(await store.get(k, T0 + 2)).toMatchObject({ state: 'open', openUntil: T0 + 2 + 30_000 });
  });

  it('20 concurrent callers in half-open: exactly one probe', async () => {
    const k = key();
    const rec0 = await store.recordFailure(k, { nowMs: T0, ...W });
    await store.tryOpen(k, rec0.snapshot.version, T0 + 30_000, T0);
    const elections = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.acquireProbe(k, `p${i}`, T0 + 40_000, T0 + 30_000)),
    );
    expect(elections.filter((e) => e.acquired)).toHaveLength(1);

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
});
