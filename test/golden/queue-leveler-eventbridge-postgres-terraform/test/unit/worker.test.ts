import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRecord } from '../../src/adapters/source.js';
import { createObserver, logger, metrics, MetricName } from '../../src/core/telemetry.js';
import { BatchFailedError, createWorker } from '../../src/core/worker.js';
import { MemoryWorkStore } from '../support/memory-store.js';
import { MeteredStore } from '../support/metered-store.js';
import { messages } from '../support/messages.js';
import { recordingObserver } from '../support/recording-observer.js';
import { SECRET } from '../support/sample-messages.js';

const sample = JSON.parse(readFileSync(new URL('../../events/sqs-batch.json', import.meta.url), 'utf8')) as SQSEvent;

let seq = 0;
/** An SQS record as the event source mapping delivers it; every send gets a new message id. */
function record(body: string, receiveCount = 1): SQSRecord {
  seq += 1;
  return {
    ...sample.Records[0]!,
    messageId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    body,
    attributes: { ...sample.Records[0]!.attributes, ApproximateReceiveCount: String(receiveCount) },
  };
}
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

function worker(store = new MemoryWorkStore(), parallelism = 2) {
  const rec = recordingObserver();
  const run = createWorker({ parse: parseRecord, store, parallelism, observer: rec.observer });
  return { run, store, rec };
}

afterEach(() => vi.restoreAllMocks());

describe('worker', () => {
  it('processes the sample event (events/sqs-batch.json) completely', async () => {
    const w = worker();
    expect(await w.run(sample)).toEqual({ batchItemFailures: [] });
    expect(w.store.items.size).toBeGreaterThan(0);
  });

  it('writes a valid batch: every record once, under the id derived from its content', async () => {
    const w = worker();
    const res = await w.run(batch(record(messages.valid(1)), record(messages.valid(2)), record(messages.valid(3))));
    expect(res).toEqual({ batchItemFailures: [] });
    expect([...w.store.items.keys()].sort()).toEqual([messages.idOf(1), messages.idOf(2), messages.idOf(3)].sort());
    expect(w.rec.of('written')).toHaveLength(3);
  });

  it('mixed batch: only the record whose write failed is reported', async () => {
    const w = worker();
    w.store.failFor.add(messages.idOf(12));
    const records = [10, 11, 12, 13].map((n) => record(messages.valid(n)));
    const res = await w.run(batch(...records));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.messageId }]);
    expect(w.store.items.has(messages.idOf(11))).toBe(true);
    expect(w.store.items.has(messages.idOf(13))).toBe(true);
    expect(w.rec.of('storeError')).toEqual([expect.objectContaining({ messageId: records[2]!.messageId, id: messages.idOf(12) })]);
  });

  it('invalid records are reported (so they reach the DLQ), counted, and logged without their body', async () => {
    const store = new MemoryWorkStore();
    const warn = vi.spyOn(logger, 'warn');
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const run = createWorker({ parse: parseRecord, store, parallelism: 2, observer: createObserver() });
    const poison = [record(messages.poison(1), 3), record(messages.poison(2)), record(messages.poison(3))];
    const valid = record(messages.valid(20));
    const res = await run(batch(...poison, valid));
    expect(res.batchItemFailures).toEqual(poison.map((r) => ({ itemIdentifier: r.messageId })));
    expect(store.items.has(messages.idOf(20))).toBe(true);
    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).toContain('invalid record');
    expect(logged).toContain(poison[0]!.messageId);
    expect(logged).toContain('"receiveCount":3');
    expect(logged).not.toContain(SECRET);
    expect(addMetric.mock.calls.filter(([n]) => n === MetricName.InvalidRecord)).toHaveLength(3);
  });

  it('a duplicate message (same content, new message id) changes the store once', async () => {
    const w = worker();
    const first = record(messages.valid(30));
    const again = record(messages.valid(30));
    expect(first.messageId).not.toBe(again.messageId);
    expect(await w.run(batch(first, again))).toEqual({ batchItemFailures: [] });
    expect(await w.run(batch(record(messages.valid(30))))).toEqual({ batchItemFailures: [] }); // a later redelivery
    expect(w.store.items.size).toBe(1);
    expect(w.rec.of('written')).toHaveLength(1);
    expect(w.rec.of('duplicate')).toHaveLength(2);
  });

  it('a whole-batch failure propagates as an error, never as a success', async () => {
    const w = worker();
    w.store.outage = new Error('store down');
    await expect(w.run(batch(record(messages.valid(40)), record(messages.valid(41))))).rejects.toBeInstanceOf(BatchFailedError);
    await expect(w.run(batch(record(messages.poison(4))))).rejects.toBeInstanceOf(BatchFailedError);
    expect(await w.run(batch())).toEqual({ batchItemFailures: [] });
  });

  it('never has more than `parallelism` writes in flight', async () => {
    const metered = new MeteredStore(new MemoryWorkStore(), 5);
    const run = createWorker({ parse: parseRecord, store: metered, parallelism: 3, observer: recordingObserver().observer });
    await run(batch(...Array.from({ length: 10 }, (_, i) => record(messages.valid(50 + i)))));
    expect(metered.created).toBe(10);
    expect(metered.maxInFlight).toBe(3);
  });
});
