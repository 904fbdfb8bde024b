import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/core/breaker.js';
import { loadConfig } from '../../src/core/config.js';
import { MemoryCircuitStore } from '../support/memory-store.js';
import { recordingObserver } from '../support/recording-observer.js';
import { unreachableStoreEnv } from '../support/unreachable-store.js';

type HandlerModule = typeof import('../../src/handlers/http.js');

const getEvent = JSON.parse(readFileSync(new URL('../../events/http-get.json', import.meta.url), 'utf8')) as APIGatewayProxyEventV2;
const postEvent = JSON.parse(readFileSync(new URL('../../events/http-post.json', import.meta.url), 'utf8')) as APIGatewayProxyEventV2;

const context = {
  functionName: 'circuit-breaker-test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function event(rawPath: string, base: APIGatewayProxyEventV2 = getEvent): APIGatewayProxyEventV2 {
  return { ...base, rawPath, requestContext: { ...base.requestContext, http: { ...base.requestContext.http, path: rawPath } } };
}

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
          setTimeout(() => res.writeHead(200).end('late'), 1_000).unref();
          return;
        case '/base/fail':
          return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
        case '/base/busy':
          return void res.writeHead(429).end();
        case '/base/missing':
          return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        case '/base/binary':
          return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        default:
          res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], connection: 'close' });
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
  mod = await import('../../src/handlers/http.js');
});

afterAll(() => new Promise<void>((resolve) => ds.server.close(() => resolve())));

function harness(env: Record<string, string> = {}) {
  let now = 1_700_000_000_000;
  const config = loadConfig({ DOWNSTREAM_URL: ds.url, DOWNSTREAM_TIMEOUT_MS: '400', CB_PROBE_LEASE_SECONDS: '5', CB_FAILURE_THRESHOLD: '3', ...env });
  const store = new MemoryCircuitStore();
  const rec = recordingObserver();
  const breaker = new CircuitBreaker({ store, config: config.breaker, clock: () => now, observer: rec.observer });
  const handler = mod.createHandler({ config, breaker });
  const call = (e: APIGatewayProxyEventV2) => handler(e, context) as Promise<APIGatewayProxyStructuredResultV2>;
  return { call, store, rec, advance: (ms: number) => (now += ms) };
}

describe('HTTP handler', () => {
  it('proxies a healthy GET: path, query, cookies; drops hop-by-hop and API Gateway headers', async () => {
    const h = harness();
    const res = await h.call(event('/orders/42'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toEqual({ ok: true, path: '/base/orders/42' });
    expect(res.cookies).toEqual(['a=1', 'b=2']);
    expect(res.headers).not.toHaveProperty('connection');
    const seen = ds.received.at(-1)!;
    expect(seen.url).toBe('/base/orders/42?expand=items');
    expect(seen.headers.cookie).toBe('session=redacted');
    expect(seen.headers['x-amzn-trace-id']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBeUndefined();
    expect(h.store.calls).toEqual({ get: 1 });
  });

  it('forwards a base64 POST body', async () => {
    const h = harness();
    const res = await h.call(postEvent);
    expect(res.statusCode).toBe(200);
    const seen = ds.received.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(JSON.parse(seen.body)).toEqual({ sku: 'A-1', qty: 2 });
  });

  it('returns binary bodies base64-encoded', async () => {
    const h = harness();
    const res = await h.call(event('/binary'));
    expect(res.isBase64Encoded).toBe(true);
    expect(Buffer.from(res.body ?? '', 'base64')).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it('maps a slow downstream to 504 and counts it', async () => {
    const h = harness();
    const started = Date.now();
    const res = await h.call(event('/slow'));
    expect(res.statusCode).toBe(504);
    expect(Date.now() - started).toBeLessThan(900);
    expect(h.rec.failures).toEqual([1]);
  });

  it('passes 5xx and 429 through and counts them', async () => {
    const h = harness();
    expect((await h.call(event('/fail'))).statusCode).toBe(500);
    expect((await h.call(event('/busy'))).statusCode).toBe(429);
    expect(h.rec.failures).toEqual([1, 2]);
  });

  it('passes 4xx through without counting', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) expect((await h.call(event('/missing'))).statusCode).toBe(404);
    expect(h.rec.failures).toEqual([]);
    expect(h.rec.transitions).toEqual([]);
  });

  it('maps an unreachable downstream to 502 and counts it', async () => {
    const h = harness({ DOWNSTREAM_URL: 'http://127.0.0.1:9/base' });
    expect((await h.call(event('/x'))).statusCode).toBe(502);
    expect(h.rec.failures).toEqual([1]);
  });

  it('opens after the threshold and answers 503 with Retry-After without calling downstream', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.call(event('/fail'));
    expect(h.rec.path()).toEqual(['closed->open']);
    const before = ds.received.length;
    h.advance(10_500);
    const res = await h.call(event('/orders/1'));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('20');
    expect(JSON.parse(res.body ?? '')).toMatchObject({ reason: 'open', retryAfterSeconds: 20 });
    expect(ds.received.length).toBe(before);
  });

  it('serves the configured fallback while open', async () => {
    const h = harness({ CB_FALLBACK_RESPONSE: '{"statusCode":200,"headers":{"x-fallback":"1"},"body":{"items":[]}}' });
    for (let i = 0; i < 3; i++) await h.call(event('/fail'));
    const res = await h.call(event('/orders'));
    expect(res).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-fallback': '1' },
      body: '{"items":[]}',
    });
  });

  it('closes again after a healthy probe once the cool-down is over', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.call(event('/fail'));
    h.advance(30_000);
    expect((await h.call(event('/orders/1'))).statusCode).toBe(200);
    expect(h.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('the exported handler applies the fail-open policy when the store is unreachable', async () => {
    const res = (await mod.handler(event('/orders/7'), context)) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toEqual({ ok: true, path: '/base/orders/7' });
  });
});

describe('configuration', () => {
  it('rejects invalid values with a message naming the variable', () => {
    expect(() => loadConfig({})).toThrow(/DOWNSTREAM_URL/);
    expect(() => loadConfig({ DOWNSTREAM_URL: 'ftp://x' })).toThrow(/DOWNSTREAM_URL/);
    expect(() => loadConfig({ DOWNSTREAM_URL: 'https://x', CB_FAILURE_THRESHOLD: 'five' })).toThrow(/CB_FAILURE_THRESHOLD/);
    expect(() => loadConfig({ DOWNSTREAM_URL: 'https://x', CB_WINDOW_SECONDS: '65' })).toThrow(/multiple of CB_BUCKET_SECONDS/);
    expect(() => loadConfig({ DOWNSTREAM_URL: 'https://x', DOWNSTREAM_TIMEOUT_MS: '12000' })).toThrow(/CB_PROBE_LEASE_SECONDS/);
    expect(() => loadConfig({ DOWNSTREAM_URL: 'https://x', CB_ON_STORE_ERROR: 'maybe' })).toThrow(/CB_ON_STORE_ERROR/);
    expect(() => loadConfig({ DOWNSTREAM_URL: 'https://x', CB_FALLBACK_RESPONSE: '{nope' })).toThrow(/valid JSON/);
  });

  it('derives one circuit per downstream origin', () => {
    const a = loadConfig({ DOWNSTREAM_URL: 'https://user:secret@api.example.com:8443/v1/orders?token=x' });
    expect(a.circuitKey).toBe('circuit#https://api.example.com:8443');
    expect(a.breaker).toMatchObject({ failureThreshold: 5, windowMs: 60_000, cooldownMs: 30_000, onStoreError: 'fail-open' });
  });
});
