// Benchmark driver for a generated circuit-breaker project (copied to its root as bench-driver.ts and
// run there by bench/run.mjs, against the real local store). Measures what the breaker
// adds to a call in the closed state: the same downstream call made directly and through the
// breaker, beside bare store round trips, interleaved in a random order so drift hits all rows alike.
// Prints one JSON line on stdout; progress goes to stderr.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { createStore } from './src/adapters/store.js';
import { CircuitBreaker } from './src/core/breaker.js';
import { callDownstream } from './src/core/downstream.js';
import type { CircuitStore } from './src/core/store.js';
import { MemoryCircuitStore } from './test/support/memory-store.js';

const quick = process.env.BENCH_QUICK === '1';
const rounds = quick ? 300 : 3000;
const warmup = quick ? 50 : 300;
const { store: storeId } = JSON.parse(readFileSync('.serverless-pattern.json', 'utf8')).answers as { store: string };

type Bare = { label: string; run: () => Promise<unknown> };

/**
 * Bare store round trips on the same backend, on a missing key (as for a never-failed circuit), with
 * a client of default options: the command the adapter's `get` sends and, for Redis, a plain GET,
 * the smallest command there is. What the adapter adds on top shows against its own read.
 */
async function bareRoundTrips(key: string): Promise<Bare[]> {
  if (storeId === 'redis') {
    const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true });
    await redis.connect();
    // Its own keys: the circuit's key may hold a hash, and GET on a hash is an error.
    const fields = ['state', 'version', 'openUntil', 'probeId', 'probeLeaseUntil', 'expiresAt']; // what RedisCircuitStore.get asks for
    return [
      { label: 'bare Redis HMGET of the 6 fields the store reads', run: () => redis.hmget(`${key}#bare`, ...fields) },
      { label: 'bare Redis GET', run: () => redis.get(`${key}#bare`) },
    ];
  }
  const client = new DynamoDBClient({});
  const TableName = `bench-circuits-${process.pid}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName });
  process.env.TABLE_NAME = TableName; // read by the adapter's createStore, as in Lambda
  const Key = { pk: { S: key } };
  return [{ label: 'bare GetItem (consistent)', run: () => client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true })) }];
}

/** Wraps the store so every operation (each one store round trip by contract) is counted. */
function counted(store: CircuitStore): { store: CircuitStore; ops: () => number } {
  let ops = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (...args: unknown[]) => (ops++, value.apply(target, args)) : value;
    },
  });
  return { store: proxy, ops: () => ops };
}

const elapsedUs = async (fn: () => Promise<unknown>) => {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1000;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const downstream = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
const base = new URL(`http://127.0.0.1:${(downstream.address() as AddressInfo).port}`);
const key = `circuit#${base.origin}`;

const bares = await bareRoundTrips(key);
const adapter = createStore({ ttlSeconds: 3600 });
const { store, ops } = counted(adapter);
const config = { failureThreshold: 5, windowMs: 60_000, bucketMs: 10_000, cooldownMs: 30_000, probeLeaseMs: 10_000, onStoreError: 'fail-open' } as const;
const breaker = new CircuitBreaker({ store, config });
// The same breaker over the tests' in-memory store: its own CPU cost, without any network.
const inMemory = new CircuitBreaker({ store: new MemoryCircuitStore(), config });
const request = { method: 'GET', pathAndQuery: '/orders/1', headers: {} };
const direct = () => callDownstream(base, request, 3000);
const through = (b: CircuitBreaker) => async () => {
  const r = await b.execute(key, direct, (o) => o.failure);
  // A benchmark of the wrong path is worthless: every call must run, closed, and succeed.
  if (r.kind !== 'executed' || r.role !== 'normal' || r.result.kind !== 'response' || r.result.status !== 200) {
    throw new Error(`unexpected breaker result ${JSON.stringify(r)}`);
  }
};

const viaBreaker = through(breaker);
const viaMemory = through(inMemory);
// One read through the adapter, as the breaker's closed path makes it: the round trip it must not exceed.
const adapterRead = () => adapter.get(key, Date.now());
const samples = { direct: [] as number[], breaker: [] as number[], memory: [] as number[], read: [] as number[], bare: bares.map(() => [] as number[]) };
const steps: [number[], () => Promise<unknown>][] = [
  [samples.direct, direct],
  [samples.read, adapterRead],
  [samples.breaker, viaBreaker],
  [samples.memory, viaMemory],
  ...bares.map((b, i): [number[], () => Promise<unknown>] => [samples.bare[i]!, b.run]),
];
for (let i = 0; i < warmup; i++) for (const [, fn] of steps) await fn();
const opsBefore = ops();
for (let i = 0; i < rounds; i++) {
  // A new order each round: whatever follows a slow store call (timers, GC) must not always hit the same row.
  for (let j = steps.length - 1; j > 0; j--) {
    const k = Math.floor(Math.random() * (j + 1));
    [steps[j], steps[k]] = [steps[k]!, steps[j]!];
  }
  for (const [into, fn] of steps) into.push(await elapsedUs(fn));
}
const opsPerCall = (ops() - opsBefore) / rounds;
console.error(`circuit-breaker/${storeId}: ${rounds} interleaved rounds done`);

const row = (label: string, xs: number[]) => ({ label, 'p50 µs': Math.round(pct(xs, 50)), 'p99 µs': Math.round(pct(xs, 99)) });
const added = pct(samples.breaker, 50) - pct(samples.direct, 50);
const readP50 = pct(samples.read, 50);
const name = storeId === 'redis' ? 'Redis (redis-server)' : 'DynamoDB (moto_server)';
console.log(
  JSON.stringify({
    name: `circuit-breaker (${name})`,
    rows: [
      row('downstream called directly', samples.direct),
      { ...row(`through the breaker, closed (${storeId} store)`, samples.breaker), 'store ops/call': opsPerCall },
      row('through the breaker, closed (in-memory store)', samples.memory),
      row(`one read through the ${storeId} store adapter (store.get)`, samples.read),
      ...bares.map((b, i) => row(b.label, samples.bare[i]!)),
      { label: `added by the breaker (${storeId} store, p50 difference)`, 'p50 µs': Math.round(added) },
      { label: 'added by the breaker logic alone (in-memory store, p50 difference)', 'p50 µs': Math.round(pct(samples.memory, 50) - pct(samples.direct, 50)) },
    ],
    targets: [
      {
        target: `${storeId}: closed happy path costs at most one store round trip (1 store op per call; added p50 ≤ 1.2 × p50 of one adapter read)`,
        met: opsPerCall <= 1 && added <= 1.2 * readP50,
        value: `${opsPerCall} op/call; +${Math.round(added)} µs vs ${Math.round(readP50)} µs (bare ${bares.map((b, i) => `${b.label.replace(/^bare /, '')} ${Math.round(pct(samples.bare[i]!, 50))} µs`).join(', ')})`,
      },
    ],
    notes: [
      `${rounds} rounds after ${warmup} warm-up, each round one direct call, one call through the breaker on the real store, one through the breaker on the in-memory store, one adapter read and each bare round trip, in a random order, sequential, one process; downstream: a local node:http server answering 200`,
    ],
  }),
);
downstream.close();
process.exit(0); // store clients keep sockets open; the figures are out
