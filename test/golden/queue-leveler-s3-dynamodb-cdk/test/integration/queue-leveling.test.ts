import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/adapters/source.js';
import { createWorker } from '../../src/core/worker.js';
import { integration } from '../support/integration-store.js';
import { messages } from '../support/messages.js';
import { MeteredStore } from '../support/metered-store.js';
import { recordingObserver } from '../support/recording-observer.js';
import { createQueues } from '../support/sqs-driver.js';

// Backends: SQS always (AWS_ENDPOINT_URL, e.g. moto_server), plus whatever the store needs.
const missing = [process.env.AWS_ENDPOINT_URL ? undefined : 'AWS_ENDPOINT_URL (an SQS API such as moto_server)', integration.missing()].filter(Boolean);
if (missing.length > 0) console.warn(`[integration] skipped: set ${missing.join(' and ')} (see README, "Test")`);

const VALID = 200; // distinct valid messages
const DUPLICATES = 40; // extra sends of valid messages (same content, new SQS message id)
const POISON = 10; // invalid messages
const MAX_CONCURRENCY = 3; // the event source mapping's MaximumConcurrency
const PARALLELISM = 2; // WORKER_PARALLELISM
const MAX_RECEIVE_COUNT = 5;

describe.skipIf(missing.length > 0)('queue leveling through a real queue and a real store', () => {
  let env: Awaited<ReturnType<typeof integration.setup>>;
  let queues: Awaited<ReturnType<typeof createQueues>>;

  beforeAll(async () => {
    env = await integration.setup();
    queues = await createQueues({ visibilityTimeoutSeconds: 1, maxReceiveCount: MAX_RECEIVE_COUNT });
  });
  afterAll(async () => {
    await queues?.destroy();
    await env?.close();
  });

  it(`${VALID} messages + ${DUPLICATES} duplicates + ${POISON} poison, store outage mid-way: each valid one stored once, poison in the DLQ, store load capped`, async () => {
    const bodies: string[] = [];
    for (let n = 0; n < VALID; n += 1) bodies.push(messages.valid(n));
    for (let d = 0; d < DUPLICATES; d += 1) bodies.push(messages.valid((d * 7) % VALID));
    const poison = Array.from({ length: POISON }, (_, n) => messages.poison(n));
    bodies.push(...poison);
    // Interleave deterministically so duplicates and poison land in the same batches as good work.
    const mixed = bodies.map((b, i) => ({ b, k: (i * 7919) % bodies.length })).sort((x, y) => x.k - y.k).map((x) => x.b);
    await queues.send(mixed);

    const metered = new MeteredStore(env.store, 3);
    metered.scheduleOutage(60, 1_500); // after 60 write attempts, 1.5 s of "connection refused"
    const handler = createWorker({ parse: parseRecord, store: metered, parallelism: PARALLELISM, observer: recordingObserver().observer });

    let dlqDepth = 0;
    const started = Date.now();
    const stats = await queues.drive(handler, {
      maxConcurrency: MAX_CONCURRENCY,
      batchSize: 10,
      deadlineMs: 150_000, // generous: moto answers slowly on a loaded machine; a healthy run takes 12–25 s
      done: async () => {
        if (metered.created < VALID) return false;
        dlqDepth = await queues.depth(queues.dlq);
        return dlqDepth >= POISON && (await queues.depth(queues.queue)) === 0;
      },
    });
    const seconds = (Date.now() - started) / 1000;

    const stored = await env.ids();
    const dead = await queues.drainDlq();
    console.info(
      `[integration] ${mixed.length} sent (${VALID} valid, ${DUPLICATES} duplicates, ${POISON} poison) in ${seconds.toFixed(1)} s: ` +
        `${stats.invocations} invocations (${stats.threw} whole-batch failures), ${stats.receives} receives, ` +
        `${metered.created} created, ${metered.duplicates} duplicates skipped, ${metered.rejected} writes refused by the outage, ` +
        `${dead.length} in the DLQ, max ${metered.maxInFlight} concurrent store operations (cap ${MAX_CONCURRENCY} x ${PARALLELISM} = ${MAX_CONCURRENCY * PARALLELISM})`,
    );

    // Every valid message is in the store exactly once.
    const expected = Array.from({ length: VALID }, (_, n) => messages.idOf(n)).sort();
    expect(stored.slice().sort()).toEqual(expected);
    expect(metered.created).toBe(VALID);
    expect(metered.duplicates).toBeGreaterThanOrEqual(DUPLICATES);
    // The outage really happened, and nothing was lost to it.
    expect(metered.rejected).toBeGreaterThan(0);
    // Every poison message, and only those, is in the DLQ.
    expect(dead.slice().sort()).toEqual(poison.slice().sort());
    expect(await queues.depth(queues.queue)).toBe(0);
    // The store never saw more concurrent operations than the cap allows (and parallelism was used).
    expect(metered.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENCY * PARALLELISM);
    expect(metered.maxInFlight).toBeGreaterThan(1);
  }, 180_000);
});
