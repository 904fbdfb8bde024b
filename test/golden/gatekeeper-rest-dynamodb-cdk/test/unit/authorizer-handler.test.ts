import { readFileSync } from 'node:fs';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizerConfig } from '../../src/core/config.js';
import { Gatekeeper } from '../../src/core/gatekeeper.js';
import { createTokenVerifier } from '../../src/core/verifier.js';
import { authorizerEnv, nowSeconds, startTestIssuer, type TestIssuer } from '../support/jwt.js';
import { MemoryPermissionStore } from '../support/memory-store.js';

type HandlerModule = typeof import('../../src/handlers/authorizer.js');

const sample = JSON.parse(readFileSync(new URL('../../events/authorizer-request.json', import.meta.url), 'utf8')) as APIGatewayRequestAuthorizerEvent;
const API = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/api';

/** A REQUEST authorizer event for `method resource` (concrete `path`), with the given header (or none). */
function event(method: string, resource: string, path: string, authorization?: string): APIGatewayRequestAuthorizerEvent {
  const headers: Record<string, string> = { Host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com' };
  if (authorization !== undefined) headers.Authorization = authorization;
  return {
    ...sample,
    methodArn: `${API}/${method}${path}`,
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { ...sample.requestContext, httpMethod: method, resourcePath: resource, path: `/api${path}` },
  };
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

const statement = (r: Awaited<ReturnType<ReturnType<HandlerModule['createHandler']>>>) => r.policyDocument.Statement[0] as { Effect: string; Resource: string; Action: string };

describe('REST API authorizer (REQUEST, IAM policy)', () => {
  it('allows a valid token on exactly the route it was decided for, with a minimal string context', async () => {
    const { handler } = harness();
    const token = idp.token({ sub: 'alice', scope: 'orders:read', email: 'alice@example.com' });
    const result = await handler(event('GET', '/orders/{id}', '/orders/42', `Bearer ${token}`));
    expect(result.principalId).toBe('alice');
    expect(statement(result)).toEqual({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${API}/GET/orders/*` });
    expect(result.context).toEqual({ sub: 'alice', scopes: 'orders:read' });
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it('a cached Allow for one route never covers another route or method', async () => {
    const { handler } = harness();
    const token = idp.token({ scope: 'orders:read orders:write' });
    const list = statement(await handler(event('GET', '/orders', '/orders', `Bearer ${token}`)));
    expect(list.Resource).toBe(`${API}/GET/orders`); // not /orders/* and not POST
    const one = statement(await handler(event('GET', '/orders/{id}', '/orders/7', `Bearer ${token}`)));
    expect(one.Resource).toBe(`${API}/GET/orders/*`); // every /orders/{id}, the same cache key
  });

  it('answers 403 (Deny) for a token valid on one route but lacking the scope for this one', async () => {
    const { handler } = harness();
    const token = idp.token({ scope: 'orders:read' });
    expect(statement(await handler(event('GET', '/orders', '/orders', `Bearer ${token}`))).Effect).toBe('Allow');
    expect(statement(await handler(event('POST', '/orders', '/orders', `Bearer ${token}`)))).toEqual({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${API}/POST/orders` });
  });

  it.each([
    ['no header', undefined],
    ['malformed', 'Bearer nope'],
    ['wrong scheme', 'Token abc.def.ghi'],
  ])('answers 401 (throws Unauthorized) for %s', async (_name, header) => {
    const { handler } = harness();
    await expect(handler(event('GET', '/orders', '/orders', header))).rejects.toThrow(/^Unauthorized$/);
  });

  it('answers 401 for expired, foreign-signed, wrong-audience and revoked tokens', async () => {
    const { handler, store } = harness();
    await store.revokeToken('revoked-rest', nowSeconds() + 600);
    for (const token of [
      idp.token({ exp: nowSeconds() - 600 }),
      idp.token({}, {}, idp.otherKey),
      idp.token({ aud: 'someone-else' }),
      idp.token({ jti: 'revoked-rest' }),
    ]) {
      await expect(handler(event('GET', '/orders', '/orders', `Bearer ${token}`))).rejects.toThrow(/^Unauthorized$/);
    }
  });

  it('refuses two Authorization headers', async () => {
    const { handler } = harness();
    const e = event('GET', '/orders', '/orders', `Bearer ${idp.token()}`);
    e.multiValueHeaders = { ...e.multiValueHeaders, Authorization: [e.headers!.Authorization!, `Bearer ${idp.token({ sub: 'other' })}`] };
    await expect(handler(e)).rejects.toThrow(/^Unauthorized$/);
  });

  it('denies routes not in ROUTE_PERMISSIONS and garbage events (401 or Deny, never an Allow)', async () => {
    const { handler } = harness();
    const token = idp.token({ scope: 'orders:read orders:write admin' });
    expect(statement(await handler(event('DELETE', '/orders/{id}', '/orders/1', `Bearer ${token}`))).Effect).toBe('Deny');
    await expect(handler({} as APIGatewayRequestAuthorizerEvent)).rejects.toThrow(/^Unauthorized$/);
    expect(statement(await handler({ headers: { Authorization: `Bearer ${token}` } } as unknown as APIGatewayRequestAuthorizerEvent)).Effect).toBe('Deny');
    expect(statement(await handler(null as unknown as APIGatewayRequestAuthorizerEvent)).Effect).toBe('Deny');
  });

  it('the exported handler denies a valid token when the store is unreachable', async () => {
    const result = await mod.handler(event('GET', '/orders', '/orders', `Bearer ${idp.token()}`));
    expect(statement(result).Effect).toBe('Deny');
  });

  it('builds route ARNs from the resource template', () => {
    expect(mod.routeArnFor(`${API}/GET/files/a/b/c`, 'GET', '/files/{proxy+}')).toBe(`${API}/GET/files/*`);
    expect(mod.routeArnFor(`${API}/GET/`, 'GET', '/')).toBe(`${API}/GET/`);
    expect(mod.routeArnFor('not-an-arn', 'GET', '/orders')).toBe('');
  });
});
