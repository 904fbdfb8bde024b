// zod/mini: same validation engine, tree-shakeable (~15 KiB bundled instead of ~450 KiB).
import * as z from 'zod/mini';

/**
 * All configuration comes from environment variables, parsed and validated once at
 * init. An invalid value fails the cold start with a message naming the variable.
 */

type Issues = { issues: z.core.$ZodRawIssue[] };

function fail(ctx: Issues, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', input, message });
  return z.NEVER;
}

/** Optional integer env var with a default and bounds. */
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

const fallbackSchema = z.strictObject({
  statusCode: z._default(
    z.number('statusCode must be a number').check(z.int('statusCode must be an integer'), z.gte(200, 'statusCode must be >= 200'), z.lte(599, 'statusCode must be <= 599')),
    200,
  ),
  headers: z._default(z.record(z.string(), z.string('header values must be strings')), {}),
  body: z._default(z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]), ''),
});

export type FallbackResponse = z.infer<typeof fallbackSchema>;

const envSchema = z.object({
  DOWNSTREAM_URL: z.url({ protocol: /^https?$/, error: 'DOWNSTREAM_URL must be an absolute http(s) URL' }),
  DOWNSTREAM_TIMEOUT_MS: int('DOWNSTREAM_TIMEOUT_MS', 3000, 50, 29_000),
  CB_FAILURE_THRESHOLD: int('CB_FAILURE_THRESHOLD', 5, 1, 1_000_000),
  CB_WINDOW_SECONDS: int('CB_WINDOW_SECONDS', 60, 1, 86_400),
  CB_BUCKET_SECONDS: int('CB_BUCKET_SECONDS', 10, 1, 3_600),
  CB_COOLDOWN_SECONDS: int('CB_COOLDOWN_SECONDS', 30, 1, 86_400),
  CB_PROBE_LEASE_SECONDS: int('CB_PROBE_LEASE_SECONDS', 10, 1, 3_600),
  CB_STATE_TTL_SECONDS: int('CB_STATE_TTL_SECONDS', 86_400, 60, 31_536_000),
  CB_ON_STORE_ERROR: z._default(
    z.enum(['fail-open', 'fail-closed'], { error: 'CB_ON_STORE_ERROR must be "fail-open" or "fail-closed"' }),
    'fail-open',
  ),
  CB_FALLBACK_RESPONSE: z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx: Issues): FallbackResponse | undefined => {
      if (raw === undefined || raw.trim() === '') return undefined;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return fail(ctx, raw, 'CB_FALLBACK_RESPONSE must be valid JSON');
      }
      const parsed = fallbackSchema.safeParse(json);
      return parsed.success
        ? parsed.data
        : fail(ctx, raw, `CB_FALLBACK_RESPONSE must look like {"statusCode":200,"headers":{},"body":...}: ${z.prettifyError(parsed.error)}`);
    }),
  ),
});

/** Rules that relate several variables; each returns a message when broken. */
function crossFieldErrors(e: z.infer<typeof envSchema>): string[] {
  const errors: string[] = [];
  if (e.CB_WINDOW_SECONDS % e.CB_BUCKET_SECONDS !== 0) {
    errors.push('CB_WINDOW_SECONDS must be a multiple of CB_BUCKET_SECONDS');
  }
  if (e.CB_PROBE_LEASE_SECONDS * 1000 <= e.DOWNSTREAM_TIMEOUT_MS) {
    errors.push('CB_PROBE_LEASE_SECONDS must exceed DOWNSTREAM_TIMEOUT_MS, or a live probe could lose its lease');
  }
  const needed = e.CB_WINDOW_SECONDS + e.CB_COOLDOWN_SECONDS + e.CB_PROBE_LEASE_SECONDS;
  if (e.CB_STATE_TTL_SECONDS <= needed) {
    errors.push(`CB_STATE_TTL_SECONDS must exceed window + cool-down + lease (${needed}s)`);
  }
  return errors;
}

export interface BreakerConfig {
  readonly failureThreshold: number;
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly cooldownMs: number;
  readonly probeLeaseMs: number;
  readonly onStoreError: 'fail-open' | 'fail-closed';
}

export interface AppConfig {
  readonly downstreamUrl: URL;
  readonly downstreamTimeoutMs: number;
  /** One circuit per downstream service: derived from the URL's origin. */
  readonly circuitKey: string;
  readonly stateTtlSeconds: number;
  readonly fallback?: FallbackResponse;
  readonly breaker: BreakerConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  const errors = crossFieldErrors(e);
  if (errors.length) throw new ConfigError(`Invalid configuration:\n${errors.map((m) => `✖ ${m}`).join('\n')}`);
  const downstreamUrl = new URL(e.DOWNSTREAM_URL);
  return Object.freeze({
    downstreamUrl,
    downstreamTimeoutMs: e.DOWNSTREAM_TIMEOUT_MS,
    circuitKey: circuitKeyFor(downstreamUrl),
    stateTtlSeconds: e.CB_STATE_TTL_SECONDS,
    fallback: e.CB_FALLBACK_RESPONSE,
    breaker: Object.freeze({
      failureThreshold: e.CB_FAILURE_THRESHOLD,
      windowMs: e.CB_WINDOW_SECONDS * 1000,
      bucketMs: e.CB_BUCKET_SECONDS * 1000,
      cooldownMs: e.CB_COOLDOWN_SECONDS * 1000,
      probeLeaseMs: e.CB_PROBE_LEASE_SECONDS * 1000,
      onStoreError: e.CB_ON_STORE_ERROR,
    }),
  });
}

/** `https://api.example.com:8443` — scheme, host and port; never path, query or credentials. */
export function circuitKeyFor(url: URL): string {
  return `circuit#${url.origin}`;
}
