import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizerConfig, type AuthorizerConfig } from '../../src/core/config.js';
import { Gatekeeper, type Decision, type DecisionObserver } from '../../src/core/gatekeeper.js';
import { parseRoutePermissions } from '../../src/core/routes.js';
import { parseBearer } from '../../src/core/token.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/core/verifier.js';
import { authorizerEnv, nowSeconds, startTestIssuer, type TestIssuer } from '../support/jwt.js';
import { MemoryPermissionStore } from '../support/memory-store.js';

/**
 * The decision against a real verifier (aws-jwt-verify) and a real JWKS endpoint on 127.0.0.1:
 * every token here is signed by the test itself.
 */

let idp: TestIssuer;
let config: AuthorizerConfig;
let verifier: TokenVerifier;

beforeAll(async () => {
  idp = await startTestIssuer();
  config = loadAuthorizerConfig(authorizerEnv(idp));
  verifier = createTokenVerifier(config);
});
afterAll(() => idp.close());

function harness() {
  const store = new MemoryPermissionStore();
  const decisions: Decision[] = [];
  const errors: string[] = [];
  const observer: DecisionObserver = { decided: (d) => decisions.push(d), error: ({ stage }) => errors.push(stage) };
  const gk = new Gatekeeper({ config, verifier, store, observer });
  const ask = (authorization: string | undefined, method = 'GET', resource = '/orders') => gk.authorize({ authorization, method, resource });
  return { gk, store, ask, decisions, errors };
}

const bearer = (token: string) => `Bearer ${token}`;
const denied = (d: Decision, status: 401 | 403, reason: string) => expect(d).toMatchObject({ effect: 'deny', status, reason });

describe('Gatekeeper: valid tokens', () => {
  it('allows a valid token on a route it has the scope for, with a minimal string context', async () => {
    const h = harness();
    const d = await h.ask(bearer(idp.token({ sub: 'alice', scope: 'orders:read profile' })), 'GET', '/orders/{id}');
    expect(d).toEqual({ effect: 'allow', route: 'GET /orders/{id}', context: { sub: 'alice', scopes: 'orders:read profile' } });
  });

  it('accepts scopes as an `scp` array and the scheme in any case', async () => {
    const h = harness();
    const d = await h.ask(`bearer ${idp.token({ scope: undefined, scp: ['orders:write'] })}`, 'POST', '/orders');
    expect(d.effect).toBe('allow');
  });

  it('adds permissions granted in the store to the subject or to one of its groups', async () => {
    const h = harness();
    expect((await h.ask(bearer(idp.token({ sub: 'bob' })), 'POST', '/orders')).effect).toBe('deny');
    await h.store.grant({ sub: 'bob' }, ['orders:write']);
    expect(await h.ask(bearer(idp.token({ sub: 'bob' })), 'POST', '/orders')).toMatchObject({ effect: 'allow', context: { scopes: 'orders:read orders:write' } });
    await h.store.grant({ group: 'admins' }, ['admin']);
    expect((await h.ask(bearer(idp.token({ 'cognito:groups': ['admins'] })), 'DELETE', '/admin/{proxy+}')).effect).toBe('allow');
  });

  it('ignores an expired grant', async () => {
    const h = harness();
    await h.store.grant({ sub: 'carol' }, ['orders:write'], nowSeconds() - 1);
    denied(await h.ask(bearer(idp.token({ sub: 'carol' })), 'POST', '/orders'), 403, 'insufficient-scope');
  });

  it('fetches the JWKS once and reuses it across decisions', async () => {
    const h = harness();
    const before = idp.fetches();
    for (let i = 0; i < 5; i++) await h.ask(bearer(idp.token()));
    expect(idp.fetches() - before).toBe(0); // already cached by earlier tests: same verifier
  });
});

describe('Gatekeeper: every bad token is denied (401)', () => {
  const now = () => nowSeconds();
  const cases: [string, () => string | undefined, string][] = [
    ['missing header', () => undefined, 'missing-token'],
    ['empty header', () => '', 'missing-token'],
    ['another scheme', () => 'Basic dXNlcjpwYXNz', 'malformed-token'],
    ['no scheme', () => idp.token(), 'malformed-token'],
    ['two spaces', () => `Bearer  ${idp.token()}`, 'malformed-token'],
    ['trailing space', () => `Bearer ${idp.token()} `, 'malformed-token'],
    ['two comma-joined headers', () => `Bearer ${idp.token()}, Bearer ${idp.token()}`, 'malformed-token'],
    ['not a JWT', () => 'Bearer abc.def', 'malformed-token'],
    ['garbage segments', () => 'Bearer a.b.c', 'malformed-token'],
    ['oversized', () => bearer(idp.token({ pad: 'x'.repeat(5000) })), 'oversized-token'],
    ['expired', () => bearer(idp.token({ exp: now() - 120, iat: now() - 600, nbf: now() - 600 })), 'expired'],
    ['not yet valid', () => bearer(idp.token({ nbf: now() + 600 })), 'not-yet-valid'],
    ['without exp', () => bearer(idp.token({ exp: undefined })), 'invalid-claims'],
    ['without sub', () => bearer(idp.token({ sub: undefined })), 'invalid-claims'],
    ['signed with another key', () => bearer(idp.token({}, {}, idp.otherKey)), 'bad-signature'],
    ['payload tampered after signing', () => {
      const [h, , s] = idp.token().split('.');
      const forged = Buffer.from(JSON.stringify({ iss: idp.issuer, aud: idp.audience, sub: 'admin', exp: now() + 300, scope: 'admin' })).toString('base64url');
      return bearer(`${h}.${forged}.${s}`);
    }, 'bad-signature'],
    ['wrong issuer', () => bearer(idp.token({ iss: 'https://evil.example.com' })), 'wrong-issuer'],
    ['wrong audience', () => bearer(idp.token({ aud: 'another-api' })), 'wrong-audience'],
    ['ID token where an access token is expected', () => bearer(idp.token({ token_use: 'id' })), 'wrong-token-use'],
    ['unknown kid', () => bearer(idp.token({}, { kid: 'not-in-jwks' }, idp.otherKey)), 'unknown-key'],
    ['alg none (empty signature)', () => bearer(idp.sign({ alg: 'none', kid: idp.kid }, { iss: idp.issuer, aud: idp.audience, sub: 'x', exp: now() + 300 })), 'malformed-token'],
    ['alg none (any signature)', () => bearer(`${idp.sign({ alg: 'none', kid: idp.kid }, { iss: idp.issuer, aud: idp.audience, sub: 'x', exp: now() + 300 })}c2ln`), 'bad-algorithm'],
    ['HS256 signed with the public key (key confusion)', () => bearer(idp.token({}, { alg: 'HS256' })), 'bad-algorithm'],
    ['scope claim of the wrong type', () => bearer(idp.token({ scope: { admin: true } })), 'malformed-token'],
    ['malformed groups claim', () => bearer(idp.token({ groups: ['ok', 'has space'] })), 'invalid-claims'],
    ['oversized jti', () => bearer(idp.token({ jti: 'j'.repeat(300) })), 'invalid-claims'],
  ];

  it.each(cases)('%s', async (_name, header, reason) => {
    const h = harness();
    const d = await h.ask(header());
    denied(d, 401, reason);
    expect(h.store.lookups).toBe(0); // nothing reaches the store before the token is proven
  });
});

describe('Gatekeeper: authorization (403) and revocation (401)', () => {
  it('denies a token valid for one route on a route it lacks the scope for', async () => {
    const h = harness();
    const token = idp.token({ scope: 'orders:read' });
    expect((await h.ask(bearer(token), 'GET', '/orders')).effect).toBe('allow');
    denied(await h.ask(bearer(token), 'POST', '/orders'), 403, 'insufficient-scope');
    denied(await h.ask(bearer(token), 'GET', '/admin/{proxy+}'), 403, 'insufficient-scope');
  });

  it('denies a route that is not configured (default deny)', async () => {
    const h = harness();
    denied(await h.ask(bearer(idp.token({ scope: 'orders:read orders:write admin' })), 'DELETE', '/orders/{id}'), 403, 'unknown-route');
  });

  it('allows a route that requires no permission to any authenticated caller only', async () => {
    const h = harness();
    expect((await h.ask(bearer(idp.token({ scope: undefined })), 'GET', '/health')).effect).toBe('allow');
    denied(await h.ask(undefined, 'GET', '/health'), 401, 'missing-token');
  });

  it('denies a revoked token id while its signature is still valid; other tokens still pass', async () => {
    const h = harness();
    const token = idp.token({ jti: 'stolen-1' });
    expect((await h.ask(bearer(token))).effect).toBe('allow');
    await h.store.revokeToken('stolen-1', nowSeconds() + 300);
    denied(await h.ask(bearer(token)), 401, 'revoked-token');
    expect((await h.ask(bearer(idp.token({ jti: 'fresh-1' })))).effect).toBe('allow');
  });

  it('denies every token of a revoked subject until the revocation expires', async () => {
    const h = harness();
    await h.store.revokeSubject('mallory', nowSeconds() + 300);
    denied(await h.ask(bearer(idp.token({ sub: 'mallory' }))), 401, 'revoked-subject');
    await h.store.revokeSubject('mallory', nowSeconds() - 1);
    expect((await h.ask(bearer(idp.token({ sub: 'mallory' })))).effect).toBe('allow');
  });
});

describe('Gatekeeper: unexpected errors deny', () => {
  it('denies when the store fails', async () => {
    const h = harness();
    h.store.failWith = new Error('connection refused');
    denied(await h.ask(bearer(idp.token())), 403, 'store-unavailable');
    expect(h.errors).toEqual(['store']);
  });

  it('denies when the JWKS cannot be fetched', async () => {
    const h = harness();
    const down = loadAuthorizerConfig(authorizerEnv(idp, { JWT_JWKS_URI: 'http://127.0.0.1:9/jwks.json' }));
    const gk = new Gatekeeper({ config: down, verifier: createTokenVerifier(down), store: h.store, observer: { decided: () => {}, error: ({ stage }) => h.errors.push(stage) } });
    denied(await gk.authorize({ authorization: bearer(idp.token()), method: 'GET', resource: '/orders' }), 403, 'keys-unavailable');
    expect(h.errors).toEqual(['verify']);
  });

  it('denies when anything else throws (a bug in a dependency, a broken verifier)', async () => {
    const h = harness();
    const broken: TokenVerifier = { verify: () => Promise.reject(new TypeError('boom')) };
    const gk = new Gatekeeper({ config, verifier: broken, store: h.store });
    denied(await gk.authorize({ authorization: bearer(idp.token()), method: 'GET', resource: '/orders' }), 403, 'internal-error');
    const weird = new Gatekeeper({ config, verifier, store: { lookup: () => Promise.resolve({ permissions: new Set(), revoked: 'maybe' as never }) } });
    denied(await weird.authorize({ authorization: bearer(idp.token()), method: 'GET', resource: '/orders' }), 403, 'internal-error');
  });

  it('still denies when telemetry itself throws', async () => {
    const gk = new Gatekeeper({ config, verifier, store: new MemoryPermissionStore(), observer: { decided: () => { throw new Error('x'); }, error: () => { throw new Error('y'); } } });
    denied(await gk.authorize({ authorization: 'Bearer a.b.c', method: 'GET', resource: '/orders' }), 401, 'malformed-token');
    denied(await gk.authorize({ authorization: bearer(idp.token()), method: 'GET', resource: '/nope' }), 403, 'unknown-route');
  });
});

describe('parsing and configuration', () => {
  it('parses the Authorization header strictly', () => {
    expect(parseBearer('Bearer a.b.c', 100)).toEqual({ ok: true, token: 'a.b.c' });
    expect(parseBearer('Bearer a.b.', 100)).toEqual({ ok: false, reason: 'malformed-token' });
    expect(parseBearer('Bearer a.b.c\n', 100)).toEqual({ ok: false, reason: 'malformed-token' });
    expect(parseBearer(`Bearer ${'a'.repeat(200)}.b.c`, 100)).toEqual({ ok: false, reason: 'oversized-token' });
  });

  it('validates route permissions', () => {
    expect(() => parseRoutePermissions('{')).toThrow(/valid JSON/);
    expect(() => parseRoutePermissions('{}')).toThrow(/no route/);
    expect(() => parseRoutePermissions('{"/orders":["x"]}')).toThrow(/route key/);
    expect(() => parseRoutePermissions('{"GET /orders":"x"}')).toThrow(/list of permission/);
  });

  it('refuses configurations that could weaken verification', () => {
    const base = authorizerEnv(idp);
    expect(() => loadAuthorizerConfig({ ...base, JWT_ISSUER: undefined })).toThrow(/JWT_ISSUER/);
    expect(() => loadAuthorizerConfig({ ...base, JWT_ISSUER: 'http://idp.example.com' })).toThrow(/https/);
    expect(() => loadAuthorizerConfig({ ...base, JWT_JWKS_URI: 'http://idp.example.com/jwks' })).toThrow(/JWT_JWKS_URI/);
    expect(() => loadAuthorizerConfig({ ...base, JWT_AUDIENCE: ' , ' })).toThrow(/JWT_AUDIENCE/);
    expect(() => loadAuthorizerConfig({ ...base, JWT_TOKEN_USE: 'whatever' })).toThrow(/JWT_TOKEN_USE/);
    expect(() => loadAuthorizerConfig({ ...base, JWT_MAX_TOKEN_BYTES: '100000' })).toThrow(/JWT_MAX_TOKEN_BYTES/);
    expect(() => loadAuthorizerConfig({ ...base, ROUTE_PERMISSIONS: undefined })).toThrow(/ROUTE_PERMISSIONS/);
  });

  it('derives the JWKS URI and recognises a Cognito user pool issuer', () => {
    const c = loadAuthorizerConfig({ ...authorizerEnv(idp), JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123', JWT_JWKS_URI: '' });
    expect(c.cognitoUserPoolId).toBe('eu-west-1_AbC123');
    expect(c.jwksUri).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json');
    expect(() => createTokenVerifier(c)).not.toThrow();
  });
});
