import { readFileSync } from 'node:fs';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizerConfig } from '../../src/core/config.js';
import { Gatekeeper } from '../../src/core/gatekeeper.js';
import { createTokenVerifier } from '../../src/core/verifier.js';
import { authorizerEnv, nowSeconds, startTestIssuer, type TestIssuer } from '../support/jwt.js';
import { MemoryPermissionStore } from '../support/memory-store.js';

type HandlerModule = typeof import('../../src/handlers/authorizer.js');

const sample = JSON.parse(readFileSync(new URL('../../events/authorizer-request.json', import.meta.url), 'utf8')) as APIGatewayRequestAuthorizerEventV2;

/** The sample event for `routeKey`, with the given Authorization header (or none). */
function event(routeKey: string, authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  const headers: Record<string, string | undefined> = { ...sample.headers };
  delete headers.authorization;
  if (authorization !== undefined) headers.authorization = authorization;
  return { ...sample, routeKey, headers, identitySource: [authorization ?? '', routeKey], requestContext: { ...sample.requestContext, routeKey } };
}

let idp: TestIssuer;
let mod: HandlerModule;

beforeAll(async () => {
  idp = await startTestIssuer();
  // The module builds its config, verifier and store at import time, like a Lambda cold start.
  Object.assign(process.env, authorizerEnv(idp), {
    TABLE_NAME: 'unit-test-table',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // nothing listens: the real store is "down"
    REDIS_URL: 'redis://127.0.0.1:9',
  });
  mod = await import('../../src/handlers/authorizer.js');
});
afterAll(() => idp.close());

function harness() {
  const store = new MemoryPermissionStore();
  const config = loadAuthorizerConfig(authorizerEnv(idp));
  const handler = mod.createHandler(new Gatekeeper({ config, verifier: createTokenVerifier(config), store }));
  return { store, handler };
}

describe('HTTP API authorizer (payload 2.0, simple responses)', () => {
  it('allows a valid token and passes only subject and scopes, as strings', async () => {
    const { handler } = harness();
    const token = idp.token({ sub: 'alice', scope: 'orders:read', email: 'alice@example.com' });
    const result = await handler(event('GET /orders/{id}', `Bearer ${token}`));
    expect(result).toEqual({ isAuthorized: true, context: { sub: 'alice', scopes: 'orders:read' } });
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it('denies the same token on a route it lacks the scope for', async () => {
    const { handler } = harness();
    const token = idp.token({ scope: 'orders:read' });
    expect((await handler(event('GET /orders', `Bearer ${token}`))).isAuthorized).toBe(true);
    expect(await handler(event('POST /orders', `Bearer ${token}`))).toEqual({ isAuthorized: false });
  });

  it.each([
    ['no header', undefined],
    ['malformed', 'Bearer nope'],
    ['wrong scheme', 'Token abc.def.ghi'],
  ])('denies a request with %s', async (_name, header) => {
    const { handler } = harness();
    expect(await handler(event('GET /orders', header))).toEqual({ isAuthorized: false });
  });

  it('denies expired, foreign-signed and wrong-audience tokens', async () => {
    const { handler } = harness();
    for (const token of [
      idp.token({ exp: nowSeconds() - 600 }),
      idp.token({}, {}, idp.otherKey),
      idp.token({ aud: 'someone-else' }),
    ]) {
      expect(await handler(event('GET /orders', `Bearer ${token}`))).toEqual({ isAuthorized: false });
    }
  });

  it('denies a revoked token', async () => {
    const { handler, store } = harness();
    const token = idp.token({ jti: 'revoked-http' });
    await store.revokeToken('revoked-http', nowSeconds() + 600);
    expect(await handler(event('GET /orders', `Bearer ${token}`))).toEqual({ isAuthorized: false });
  });

  it('denies the $default route and routes not in ROUTE_PERMISSIONS', async () => {
    const { handler } = harness();
    const token = idp.token({ scope: 'orders:read orders:write admin' });
    expect(await handler(event('$default', `Bearer ${token}`))).toEqual({ isAuthorized: false });
    expect(await handler(event('DELETE /orders/{id}', `Bearer ${token}`))).toEqual({ isAuthorized: false });
  });

  it('denies on garbage events instead of throwing', async () => {
    const { handler } = harness();
    expect(await handler(null as unknown as APIGatewayRequestAuthorizerEventV2)).toEqual({ isAuthorized: false });
    expect(await handler({} as APIGatewayRequestAuthorizerEventV2)).toEqual({ isAuthorized: false });
  });

  it('the exported handler denies a valid token when the store is unreachable', async () => {
    const result = await mod.handler(event('GET /orders', `Bearer ${idp.token()}`));
    expect(result).toEqual({ isAuthorized: false });
  });
});
