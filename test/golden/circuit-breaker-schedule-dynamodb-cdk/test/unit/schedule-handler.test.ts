import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/core/breaker.js';
import { loadConfig } from '../../src/core/config.js';
import { metrics } from '../../src/core/telemetry.js';
import { MemoryCircuitStore } from '../support/memory-store.js';
import { recordingObserver } from '../support/recording-observer.js';
import { unreachableStoreEnv } from '../support/unreachable-store.js';

type HandlerModule = typeof import('../../src/handlers/schedule.js');

/** What EventBridge Scheduler delivers: the schedule's target input, context attributes filled in. */
const sample = JSON.parse(readFileSync(new URL('../../events/schedule-run.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const run = (path: string, extra: Record<string, unknown> = {}) => ({ ...sample, path, ...extra });

const context = {
  functionName: 'circuit-breaker-test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

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
          return void res.writeHead(404).end();
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
  mod = await import('../../src/handlers/schedule.js');
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
  const call = (event: unknown) => handler(event, context);
  const spy = vi.spyOn(metrics, 'addMetric');
  const count = (name: string) => spy.mock.calls.filter(([n]) => n === name).length;
  return { call, store, rec, count, advance: (ms: number) => (now += ms) };
}

describe('schedule handler', () => {
  it('a healthy run calls the downstream once and counts the success', async () => {
    const h = harness();
    const before = ds.received.length;
    expect(await h.call(sample)).toEqual({ status: 'delivered', statusCode: 200 });
    expect(ds.received.length - before).toBe(1);
    expect(ds.received.at(-1)).toMatchObject({ method: 'POST', url: '/base/jobs/refresh' });
    expect(h.count(mod.ScheduleMetric.ScheduledRunSucceeded)).toBe(1);
    expect(h.store.calls).toEqual({ get: 1 });
  });

  it('sends a configured body and headers', async () => {
    const h = harness();
    await h.call(run('/jobs/sync', { method: 'PUT', headers: { 'x-job': 'sync' }, body: { full: true } }));
    const seen = ds.received.at(-1)!;
    expect(seen).toMatchObject({ method: 'PUT', url: '/base/jobs/sync' });
    expect(JSON.parse(seen.body)).toEqual({ full: true });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-job']).toBe('sync');
  });

  it('a failing run is counted (run metric and circuit failure) but does not throw', async () => {
    const h = harness();
    expect(await h.call(run('/fail'))).toEqual({ status: 'failed', reason: 'downstream-status', statusCode: 500 });
    const started = Date.now();
    expect(await h.call(run('/slow'))).toEqual({ status: 'failed', reason: 'downstream-timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(h.rec.failures).toEqual([1, 2]);
    expect(h.count(mod.ScheduleMetric.ScheduledRunFailed)).toBe(2);
  });

  it('a 4xx is a failed run but not a circuit failure', async () => {
    const h = harness();
    expect(await h.call(run('/missing'))).toEqual({ status: 'failed', reason: 'downstream-status', statusCode: 404 });
    expect(h.rec.failures).toEqual([]);
  });

  it('while open, skips the run without calling downstream, logs and counts it, no error', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.call(run('/fail'));
    expect(h.rec.path()).toEqual(['closed->open']);
    const before = ds.received.length;
    h.advance(10_500);
    expect(await h.call(sample)).toEqual({ status: 'skipped', reason: 'open', retryAfterSeconds: 20 });
    expect(ds.received.length).toBe(before);
    expect(h.count(mod.ScheduleMetric.ScheduledRunSkipped)).toBe(1);
  });

  it('the first run after the cool-down is the probe and closes the circuit', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.call(run('/fail'));
    h.advance(30_000);
    expect(await h.call(sample)).toEqual({ status: 'delivered', statusCode: 200 });
    expect(h.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('an invalid input throws (so it reaches the dead-letter queue) and is counted', async () => {
    const h = harness();
    const before = ds.received.length;
    await expect(h.call({})).rejects.toThrow(/method/);
    await expect(h.call(run('jobs'))).rejects.toThrow(/path must start with/);
    await expect(h.call(run('/x', { method: 'GET', body: 'x' }))).rejects.toThrow(/GET request cannot carry a body/);
    await expect(h.call(run('/x', { extra: 1 }))).rejects.toThrow(/unknown key: extra/);
    await expect(h.call('not an object')).rejects.toBeInstanceOf(mod.InvalidScheduleInputError);
    expect(ds.received.length).toBe(before);
    expect(h.count(mod.ScheduleMetric.InvalidScheduleInput)).toBe(5);
  });

  it('the exported handler applies the fail-open policy when the store is unreachable', async () => {
    expect(await mod.handler(sample, context)).toEqual({ status: 'delivered', statusCode: 200 });
  });
});
