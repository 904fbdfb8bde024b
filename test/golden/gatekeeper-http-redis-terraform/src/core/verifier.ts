import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksNotAvailableInCacheError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NonRetryableFetchError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { isAcceptableKeyUrl, type AuthorizerConfig } from './config.js';
import { PERMISSION } from './routes.js';
import { MAX_GROUPS } from './store.js';

/**
 * JWT verification with aws-jwt-verify: signature against the issuer's JWKS (fetched once and
 * cached by the verifier for the life of the container; an unknown `kid` triggers at most one
 * re-fetch, then a wait period), issuer, audience / client id, token use, `exp` and `nbf`.
 * Only asymmetric algorithms exist in aws-jwt-verify (RS*, ES*, EdDSA): `alg: none` and HS*
 * are rejected before any key is used. On top of the library: `sub` and `exp` are REQUIRED
 * (the library accepts a token without `exp`), and scope / group claims must be well formed.
 */

export interface VerifiedClaims {
  readonly sub: string;
  readonly jti?: string;
  readonly exp: number;
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedClaims>;
}

export type RejectReason =
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'wrong-token-use'
  | 'bad-signature'
  | 'bad-algorithm'
  | 'unknown-key'
  | 'malformed-token'
  | 'invalid-claims';

/** A token that is not acceptable (→ 401); anything else thrown by `verify` is an outage. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
  constructor(readonly reason: RejectReason) {
    super(`token rejected: ${reason}`);
  }
}

/** The JWKS is unreachable or invalid: no token can be checked (deny, and alarm). */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

const MAX_SCOPES = 100;
const MAX_ID_LENGTH = 256;

class InvalidClaims extends Error {}

function stringList(value: unknown, what: string, max: number): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  if (!Array.isArray(items) || items.length > max || !items.every((s) => typeof s === 'string' && PERMISSION.test(s))) {
    throw new InvalidClaims(`${what} claim is not a list of at most ${max} names`);
  }
  return [...new Set(items as string[])];
}

function identifier(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH || /[\u0000-\u001f\s]/.test(value)) {
    throw new InvalidClaims('identifier claim missing or malformed');
  }
  return value;
}

/** `customJwtCheck`: runs after signature and standard claims have passed. */
function extraChecks(tokenUse: 'access' | 'id') {
  return ({ header, payload }: { header: JwtHeader; payload: JwtPayload }) => {
    if (typeof payload.exp !== 'number') throw new InvalidClaims('exp is required');
    identifier(payload.sub, true);
    identifier(payload.jti, false);
    // Generic OIDC: `token_use` (Cognito-style) and RFC 9068 `typ` are checked when present.
    if (payload.token_use !== undefined && payload.token_use !== tokenUse) throw new CognitoJwtInvalidTokenUseError('token use', payload.token_use, tokenUse);
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
    const allowed = tokenUse === 'access' ? ['jwt', 'at+jwt', 'application/at+jwt'] : ['jwt'];
    if (typ !== undefined && !allowed.includes(typ)) throw new CognitoJwtInvalidTokenUseError('typ header', header.typ, allowed);
  };
}

function claimsOf(payload: JwtPayload): VerifiedClaims {
  const scopes = stringList(payload.scope ?? payload.scp, 'scope', MAX_SCOPES);
  const groups = stringList(payload['cognito:groups'] ?? payload.groups, 'groups', MAX_GROUPS);
  const jti = identifier(payload.jti, false);
  return Object.freeze({ sub: identifier(payload.sub, true)!, exp: payload.exp as number, scopes, groups, ...(jti ? { jti } : {}) });
}

function classify(error: unknown): Error {
  const reject = (reason: RejectReason) => new TokenRejected(reason);
  if (error instanceof InvalidClaims) return reject('invalid-claims');
  if (error instanceof JwtExpiredError) return reject('expired');
  if (error instanceof JwtNotBeforeError) return reject('not-yet-valid');
  if (error instanceof JwtInvalidIssuerError) return reject('wrong-issuer');
  if (error instanceof JwtInvalidAudienceError || error instanceof CognitoJwtInvalidClientIdError) return reject('wrong-audience');
  if (error instanceof CognitoJwtInvalidTokenUseError) return reject('wrong-token-use');
  if (error instanceof JwtInvalidSignatureAlgorithmError) return reject('bad-algorithm');
  if (error instanceof JwtInvalidSignatureError) return reject('bad-signature');
  if (error instanceof KidNotFoundInJwksError || error instanceof WaitPeriodNotYetEndedJwkError || error instanceof JwtWithoutValidKidError) {
    return reject('unknown-key');
  }
  if (error instanceof JwtParseError) return reject('malformed-token');
  if (error instanceof FetchError || error instanceof JwksNotAvailableInCacheError) return new KeysUnavailable('JWKS unavailable', { cause: error });
  // Any other library assertion (claim types, JWK shape, ...) is still a bad token: deny.
  if (error instanceof Error && /^Jwt|^Jwk|^Cognito|Assertion/.test(error.name)) return reject('invalid-claims');
  return error instanceof Error ? error : new Error('verification failed');
}

/**
 * Fetches the JWKS: https through the library's fetcher (timeouts, one retry); plain http only
 * on loopback, for local tests. Redirects are not followed.
 */
export class KeySetFetcher implements Fetcher {
  readonly #https = new SimpleFetcher();

  async fetch(uri: string): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol === 'https:') return this.#https.fetch(uri);
    if (!isAcceptableKeyUrl(url)) throw new NonRetryableFetchError(uri, 'the JWKS must be served over https');
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(3000), redirect: 'error' });
    } catch (error) {
      throw new FetchError(uri, (error as Error).message);
    }
    if (response.status !== 200) throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    return response.arrayBuffer();
  }
}

/** Built ONCE per container, outside the handler: the JWKS cache lives as long as the verifier. */
export function createTokenVerifier(config: AuthorizerConfig, fetcher: Fetcher = new KeySetFetcher()): TokenVerifier {
  const jwksCache = new SimpleJwksCache({ fetcher });
  const customJwtCheck = extraChecks(config.tokenUse);
  const verifier = config.cognitoUserPoolId
    ? CognitoJwtVerifier.create(
        {
          userPoolId: config.cognitoUserPoolId,
          clientId: [...config.audience],
          tokenUse: config.tokenUse,
          graceSeconds: config.clockSkewSeconds,
          customJwtCheck,
        },
        { jwksCache },
      )
    : JwtVerifier.create(
        {
          issuer: config.issuer,
          audience: [...config.audience],
          jwksUri: config.jwksUri,
          graceSeconds: config.clockSkewSeconds,
          customJwtCheck,
        },
        { jwksCache },
      );
  return {
    async verify(token: string): Promise<VerifiedClaims> {
      let payload: JwtPayload;
      try {
        payload = await verifier.verify(token);
      } catch (error) {
        throw classify(error);
      }
      try {
        return claimsOf(payload);
      } catch (error) {
        throw classify(error);
      }
    },
  };
}
