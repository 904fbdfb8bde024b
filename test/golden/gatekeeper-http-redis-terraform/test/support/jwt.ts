import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A throwaway identity provider for tests: an RSA key pair generated in the test, its JWKS
 * served by a local HTTP server on 127.0.0.1, and a signer for tokens of any shape, including
 * the hostile ones (wrong key, unknown kid, `alg: none`, HS256 with the public key, ...).
 */

export interface TestIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  readonly kid: string;
  /** A valid access token for `sub` with `scope`, signed with the published key; override anything. */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>, key?: KeyObject): string;
  /** Signs with an arbitrary header and payload (no defaults). */
  sign(header: Record<string, unknown>, payload: Record<string, unknown>, key?: KeyObject): string;
  /** A second key pair, NOT in the JWKS. */
  readonly otherKey: KeyObject;
  readonly publicKeyPem: string;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function startTestIssuer(audience = 'test-api'): Promise<TestIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-key-1';
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const signWith = (header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject = privateKey): string => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    if (header.alg === 'none') return `${input}.`;
    if (header.alg === 'HS256') return `${input}.${b64url(createHmac('sha256', publicKey.export({ format: 'pem', type: 'spki' })).update(input).digest())}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  };

  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    audience,
    kid,
    otherKey: other.privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sign: signWith,
    token(claims = {}, header = {}, key) {
      const now = nowSeconds();
      return signWith(
        { alg: 'RS256', typ: 'at+jwt', kid, ...header },
        { iss: issuer, aud: audience, sub: 'user-1', jti: `jti-${Math.random().toString(36).slice(2)}`, iat: now, nbf: now, exp: now + 300, scope: 'orders:read', ...claims },
        key,
      );
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Environment for the authorizer pointing at the test issuer. */
export function authorizerEnv(idp: TestIssuer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: idp.audience,
    JWT_JWKS_URI: idp.jwksUri,
    ROUTE_PERMISSIONS: JSON.stringify({
      'GET /orders': ['orders:read'],
      'GET /orders/{id}': ['orders:read'],
      'POST /orders': ['orders:write'],
      'ANY /admin/{proxy+}': ['admin'],
      'GET /health': [],
    }),
    ...extra,
  };
}
