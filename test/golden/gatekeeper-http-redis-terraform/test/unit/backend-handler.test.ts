import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizedEvent } from '../../src/handlers/backend.js';

type BackendModule = typeof import('../../src/handlers/backend.js');

const sample = JSON.parse(readFileSync(new URL('../../events/backend-get-order.json', import.meta.url), 'utf8')) as AuthorizedEvent;

let mod: BackendModule;
beforeAll(async () => {
  process.env.ALLOWED_ORIGIN = 'https://app.example.com';
  mod = await import('../../src/handlers/backend.js');
});

describe('backend behind the HTTP API', () => {
  it('answers with the caller from the authorizer context and CORS headers', async () => {
    const res = await mod.handler(sample);
    expect(res).toMatchObject({ statusCode: 200, headers: { 'access-control-allow-origin': 'https://app.example.com', 'cache-control': 'no-store' } });
    expect(JSON.parse(res.body as string)).toEqual({ route: 'GET /orders/{id}', caller: { sub: 'alice', scopes: ['orders:read', 'profile'] } });
  });

  it('refuses a request without an authorizer context (never trusts headers instead)', async () => {
    const event = { ...sample, headers: { ...sample.headers, 'x-sub': 'admin' }, requestContext: { ...sample.requestContext, authorizer: undefined } } as unknown as AuthorizedEvent;
    expect((await mod.handler(event)).statusCode).toBe(403);
  });

  it('validates its configuration', async () => {
    const { loadBackendConfig } = await import('../../src/core/config.js');
    expect(() => loadBackendConfig({})).toThrow(/ALLOWED_ORIGIN/);
    expect(() => loadBackendConfig({ ALLOWED_ORIGIN: 'https://x.example.com/path' })).toThrow(/ALLOWED_ORIGIN/);
    expect(loadBackendConfig({ ALLOWED_ORIGIN: 'https://x.example.com' })).toEqual({ allowedOrigin: 'https://x.example.com' });
  });
});
