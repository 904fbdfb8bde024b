import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/core/breaker.js';
import { loadConfig } from '../../src/core/config.js';
import { logger, metrics } from '../../src/core/telemetry.js';
import { MemoryCircuitStore } from '../support/memory-store.js';
import { recordingObserver } from '../support/recording-observer.js';
import { unreachableStoreEnv } from '../support/unreachable-store.js';

type HandlerModule = typeof import('../../src/handlers/sqs.js');

const sample = JSON.parse(readFileSync(new URL('../../events/sqs-batch.json', import.meta.url), 'utf8')) as SQSEvent;
const template = sample.Records[0]!;

function context(remainingMs = 60_000): Context {
  return {
    functionName: 'circuit-breaker-test',
    awsRequestId: 'test-request',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

let seq = 0;
/** A record whose body is `body` (a string is taken verbatim, anything else is JSON-encoded). */
function record(body: unknown): SQSRecord {
  seq += 1;
  return {
    ...template,
    messageId: `msg-${seq}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
const call = (path: string, extra: Record<string, unknown> = {}) => record({ method: 'POST', path, body: { n: seq }, ...extra });
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const ids = (r: SQSBatchResponse) => r.batchItemFailures.map((f) => f.itemIdentifier);

/** The flaky downstream: routes under /base/ behave as their name says. */
function downstream(): Promise<{ server: Server; url: string; received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] }> {
  const received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const path = (req.url ?? '').split('?')[0];
      switch (path) {
        case '/base/slow':
          setTimeout(() => res.writeHead(200).end('late'), 2_000).unref();
          return;
        case '/base/fail':
          return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
        case '/base/missing':
          return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        default:
          res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
          res.end(JSON.stringify({ ok: true, path }));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/base`, received });
    }),
  );
}

let ds: Awaited<ReturnType<typeof downstream>>;
let mod: HandlerModule;

beforeAll(async () => {
  ds = await downstream();
  await fetch(`${ds.url}/warm-up`); // the first fetch of a process loads its HTTP client: keep that out of the timed tests
  // The module validates its configuration at import time, like a Lambda cold start.
  Object.assign(process.env, {
    DOWNSTREAM_URL: ds.url,
    DOWNSTREAM_TIMEOUT_MS: '400',
    CB_PROBE_LEASE_SECONDS: '5',
    ...unreachableStoreEnv, // the real store adapter, pointed where nothing listens: the store is "down"
  });
  mod = await import('../../src/handlers/sqs.js');
});

afterAll(() => new Promise<void>((resolve) => ds.server.close(() => resolve())));
afterEach(() => vi.restoreAllMocks());

function harness(env: Record<string, string> = {}) {
  let now = 1_700_000_000_000;
  const config = loadConfig({ DOWNSTREAM_URL: ds.url, DOWNSTREAM_TIMEOUT_MS: '400', CB_PROBE_LEASE_SECONDS: '5', CB_FAILURE_THRESHOLD: '3', ...env });
  const store = new MemoryCircuitStore();
  const rec = recordingObserver();
  const breaker = new CircuitBreaker({ store, config: config.breaker, clock: () => now, observer: rec.observer });
  const handler = mod.createHandler({ config, breaker });
  const run = (e: SQSEvent, ctx = context()) => handler(e, ctx);
  return { run, store, rec, advance: (ms: number) => (now += ms) };
}

/** Counts of the trigger's own metrics emitted while `fn` runs. */
function countMetrics() {
  const spy = vi.spyOn(metrics, 'addMetric');
  return (name: string) => spy.mock.calls.filter(([n]) => n === name).length;
}

describe('SQS handler', () => {
  it('delivers the sample batch: method, path, body, headers and the message id as idempotency key', async () => {
    const h = harness();
    const before = ds.received.length;
    const res = await h.run(sample);
    expect(res).toEqual({ batchItemFailures: [] });
    const [post, put] = ds.received.slice(before);
    expect(post).toMatchObject({ method: 'POST', url: '/base/orders' });
    expect(JSON.parse(post!.body)).toEqual({ sku: 'A-1', qty: 2 });
    expect(post!.headers['x-tenant']).toBe('t-42');
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.headers['idempotency-key']).toBe(sample.Records[0]!.messageId);
    expect(put).toMatchObject({ method: 'PUT', url: '/base/orders/42/status' });
    expect(put!.headers['content-type']).toBe('application/json');
    expect(put!.headers['idempotency-key']).toBe(sample.Records[1]!.messageId);
  });

  it('sends string bodies verbatim and keeps an idempotency key set by the producer', async () => {
    const h = harness();
    const r = record({ method: 'PATCH', path: '/notes/1?draft=true', headers: { 'Idempotency-Key': 'k-1', host: 'evil.example' }, body: 'hello' });
    expect(ids(await h.run(batch(r)))).toEqual([]);
    const seen = ds.received.at(-1)!;
    expect(seen).toMatchObject({ method: 'PATCH', url: '/base/notes/1?draft=true', body: 'hello' });
    expect(seen.headers['idempotency-key']).toBe('k-1');
    expect(seen.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(seen.headers.host).not.toBe('evil.example');
  });

  it('reports only the records that failed in a mixed batch', async () => {
    const h = harness();
    const count = countMetrics();
    const ok1 = call('/orders/1');
    const failing = call('/fail');
    const missing = call('/missing');
    const slow = call('/slow');
    const ok2 = call('/orders/2');
    const started = Date.now();
    const res = await h.run(batch(ok1, failing, missing, slow, ok2));
    expect(Date.now() - started).toBeLessThan(1_500); // the slow call was cut at DOWNSTREAM_TIMEOUT_MS
    expect(ids(res)).toEqual([failing.messageId, missing.messageId, slow.messageId]);
    // 500 and the timeout count against the circuit; the 404 is the caller's problem.
    expect(h.rec.failures).toEqual([1, 2]);
    expect(h.rec.transitions).toEqual([]);
    expect(count(mod.QueueMetric.RecordDelivered)).toBe(2);
    expect(count(mod.QueueMetric.RecordFailed)).toBe(3);
  });

  it('stops calling the downstream within a batch as soon as the circuit opens', async () => {
    const h = harness();
    const records = Array.from({ length: 5 }, () => call('/fail'));
    const before = ds.received.length;
    const res = await h.run(batch(...records));
    expect(ds.received.length - before).toBe(3); // CB_FAILURE_THRESHOLD
    expect(ids(res)).toEqual(records.map((r) => r.messageId));
    expect(h.rec.path()).toEqual(['closed->open']);
    expect(h.rec.rejections.map((r) => r.reason)).toEqual(['open', 'open']);
  });

  it('while open, reports every record of the batch and leaves the downstream alone', async () => {
    const h = harness();
    await h.run(batch(call('/fail'), call('/fail'), call('/fail')));
    expect(h.rec.path()).toEqual(['closed->open']);
    const records = [call('/orders/1'), call('/orders/2'), call('/orders/3')];
    const before = ds.received.length;
    const res = await h.run(batch(...records));
    expect(ids(res)).toEqual(records.map((r) => r.messageId)); // a whole-batch failure is never an empty response
    expect(ds.received.length).toBe(before);
  });

  it('closes again after a healthy probe once the cool-down is over', async () => {
    const h = harness();
    await h.run(batch(call('/fail'), call('/fail'), call('/fail')));
    h.advance(30_000);
    const res = await h.run(batch(call('/orders/1'), call('/orders/2')));
    expect(ids(res)).toEqual([]);
    expect(h.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reports invalid records (to reach the DLQ), logs and counts them, never logs the body', async () => {
    const h = harness();
    const count = countMetrics();
    const warn = vi.spyOn(logger, 'warn');
    const invalid = [
      record('not json: secret-token-123'),
      record({ method: 'POST', body: { secret: 'secret-token-123' } }), // no path
      record({ method: 'TRACE', path: '/x' }),
      record({ method: 'POST', path: 'relative', body: 'secret-token-123' }),
      record({ method: 'POST', path: '/x', header: { authorization: 'secret-token-123' } }), // typo: unknown key
      record({ method: 'GET', path: '/x', body: 'secret-token-123' }),
      record({ method: 'POST', path: '/x', headers: { 'x-n': 1 } }),
    ];
    const valid = call('/orders/9');
    const before = ds.received.length;
    const res = await h.run(batch(...invalid, valid));
    expect(ids(res)).toEqual(invalid.map((r) => r.messageId));
    expect(ds.received.length - before).toBe(1);
    expect(count(mod.QueueMetric.InvalidRecord)).toBe(invalid.length);
    expect(h.rec.failures).toEqual([]); // a bad message says nothing about the downstream's health
    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).not.toContain('secret-token-123');
    expect(logged).toContain('body is not valid JSON');
    expect(logged).toContain('path');
    expect(logged).toContain('unknown key: header');
    expect(logged).toContain('a GET request cannot carry a body');
  });

  it('reports records it has no time left for instead of risking a function timeout', async () => {
    const h = harness();
    const records = [call('/orders/1'), call('/orders/2')];
    const before = ds.received.length;
    const res = await h.run(batch(...records), context(1_300)); // < DOWNSTREAM_TIMEOUT_MS + 1 s reserve
    expect(ids(res)).toEqual(records.map((r) => r.messageId));
    expect(ds.received.length).toBe(before);
  });

  it('fail-closed: a store outage rejects (reports) the records without calling downstream', async () => {
    const h = harness({ CB_ON_STORE_ERROR: 'fail-closed' });
    h.store.outage = new Error('store down');
    const records = [call('/orders/1')];
    const before = ds.received.length;
    expect(ids(await h.run(batch(...records)))).toEqual([records[0]!.messageId]);
    expect(ds.received.length).toBe(before);
  });

  it('the exported handler applies the fail-open policy when the store is unreachable', async () => {
    const r = call('/orders/7');
    const res = await mod.handler(batch(r), context());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(ds.received.at(-1)!.url).toBe('/base/orders/7');
  });
});
