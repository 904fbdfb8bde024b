// zod/mini: same validation engine, tree-shakeable (~15 KiB bundled instead of ~450 KiB).
import * as z from 'zod/mini';
import { parseRoutePermissions, type RoutePermissions } from './routes.js';

/**
 * All configuration comes from environment variables, parsed and validated once at init
 * (outside the handler). An invalid value fails the cold start with a message naming the
 * variable: a misconfigured authorizer never starts, so it can never allow by mistake.
 */

type Issues = { issues: z.core.$ZodRawIssue[] };

function fail(ctx: Issues, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', input, message });
  return z.NEVER;
}

const int = (name: string, def: number, min: number, max: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx: Issues) => {
      if (raw === undefined || raw.trim() === '') return def;
      const n = Number(raw);
      return Number.isInteger(n) && n >= min && n <= max
        ? n
        : fail(ctx, raw, `${name} must be an integer between ${min} and ${max}, got "${raw}"`);
    }),
  );

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https everywhere; plain http only on the loopback interface (local tests, nothing on a network). */
export function isAcceptableKeyUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

const httpsUrl = (name: string) =>
  z.pipe(
    z.string(`${name} is required`),
    z.transform((raw: string, ctx: Issues) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return fail(ctx, raw, `${name} must be an absolute URL`);
      }
      if (!isAcceptableKeyUrl(url)) return fail(ctx, raw, `${name} must be an https URL (http only on loopback)`);
      if (url.username || url.password || url.search || url.hash) return fail(ctx, raw, `${name} must not carry credentials, a query or a fragment`);
      return raw;
    }),
  );

const list = (name: string) =>
  z.pipe(
    z.string(`${name} is required`),
    z.transform((raw: string, ctx: Issues) => {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      return items.length > 0 ? items : fail(ctx, raw, `${name} must list at least one value`);
    }),
  );

const authorizerEnv = z.object({
  JWT_ISSUER: httpsUrl('JWT_ISSUER'),
  JWT_AUDIENCE: list('JWT_AUDIENCE'),
  JWT_JWKS_URI: z.optional(z.string()),
  JWT_TOKEN_USE: z._default(z.enum(['access', 'id'], { error: 'JWT_TOKEN_USE must be "access" or "id"' }), 'access'),
  JWT_CLOCK_SKEW_SECONDS: int('JWT_CLOCK_SKEW_SECONDS', 30, 0, 300),
  JWT_MAX_TOKEN_BYTES: int('JWT_MAX_TOKEN_BYTES', 4096, 512, 16_384),
  ROUTE_PERMISSIONS: z.pipe(
    z.string('ROUTE_PERMISSIONS is required (JSON: route key → required permissions)'),
    z.transform((raw: string, ctx: Issues) => {
      try {
        return parseRoutePermissions(raw);
      } catch (error) {
        return fail(ctx, raw, `ROUTE_PERMISSIONS: ${(error as Error).message}`);
      }
    }),
  ),
});

export interface AuthorizerConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwksUri: string;
  /** Set when JWT_ISSUER is a Cognito user pool: the Cognito verifier is used. */
  readonly cognitoUserPoolId?: string;
  readonly tokenUse: 'access' | 'id';
  readonly clockSkewSeconds: number;
  readonly maxTokenBytes: number;
  readonly routes: RoutePermissions;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const COGNITO_ISSUER = /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/(([a-z0-9-]+)_[A-Za-z0-9]+)$/;

export function loadAuthorizerConfig(env: NodeJS.ProcessEnv = process.env): AuthorizerConfig {
  const parsed = authorizerEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const issuer = e.JWT_ISSUER.replace(/\/+$/, '');
  const jwksRaw = e.JWT_JWKS_URI?.trim() ? e.JWT_JWKS_URI.trim() : `${issuer}/.well-known/jwks.json`;
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(jwksRaw);
  } catch {
    throw new ConfigError('Invalid configuration:\n✖ JWT_JWKS_URI must be an absolute URL');
  }
  if (!isAcceptableKeyUrl(jwksUrl)) throw new ConfigError('Invalid configuration:\n✖ JWT_JWKS_URI must be an https URL (http only on loopback)');
  const cognito = COGNITO_ISSUER.exec(issuer);
  if (cognito && cognito[1] !== cognito[3]) throw new ConfigError('Invalid configuration:\n✖ JWT_ISSUER: the user pool id does not match the region');
  return Object.freeze({
    issuer,
    audience: Object.freeze(e.JWT_AUDIENCE),
    jwksUri: jwksUrl.href,
    ...(cognito ? { cognitoUserPoolId: cognito[2]! } : {}),
    tokenUse: e.JWT_TOKEN_USE,
    clockSkewSeconds: e.JWT_CLOCK_SKEW_SECONDS,
    maxTokenBytes: e.JWT_MAX_TOKEN_BYTES,
    routes: e.ROUTE_PERMISSIONS,
  });
}

export interface BackendConfig {
  readonly allowedOrigin: string;
}

export function loadBackendConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const origin = env.ALLOWED_ORIGIN?.trim() ?? '';
  if (origin === '') throw new ConfigError('Invalid configuration:\n✖ ALLOWED_ORIGIN is required (the CORS origin of the API)');
  if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
    throw new ConfigError('Invalid configuration:\n✖ ALLOWED_ORIGIN must be an origin such as https://app.example.com (scheme and host, no path)');
  }
  return Object.freeze({ allowedOrigin: origin });
}
