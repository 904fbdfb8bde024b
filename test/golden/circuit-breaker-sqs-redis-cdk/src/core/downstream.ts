/**
 * Calls the protected downstream with a hard timeout and classifies the outcome.
 * Only health failures count against the circuit: timeouts, network errors, 5xx, 429.
 * Client errors (other 4xx) are the caller's problem and pass through uncounted.
 */

export interface DownstreamRequest {
  readonly method: string;
  /** Path and query relative to the downstream base URL, e.g. `/orders?id=1`. */
  readonly pathAndQuery: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export type DownstreamOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Record<string, string>;
      /** `Set-Cookie` values, kept apart because they cannot be comma-joined. */
      readonly cookies: string[];
      readonly body: Buffer;
      readonly failure: boolean;
    }
  | { readonly kind: 'timeout'; readonly failure: true }
  | { readonly kind: 'network-error'; readonly failure: true; readonly reason: string };

export function isHealthFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

// Hop-by-hop and transport headers must not be forwarded in either direction.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'content-encoding', 'set-cookie',
]);

export function forwardableHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || lower.startsWith('x-amzn-') || lower.startsWith('x-forwarded-')) {
      continue;
    }
    out[lower] = value;
  }
  return out;
}

/** Joins the base URL's path prefix with the request path (no `..` escapes the origin). */
export function downstreamUrlFor(base: URL, pathAndQuery: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  const target = new URL(pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`, base.origin);
  return new URL(`${prefix}${target.pathname}${target.search}`, base.origin);
}

export async function callDownstream(
  base: URL,
  request: DownstreamRequest,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<DownstreamOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl(downstreamUrlFor(base, request.pathAndQuery), {
      method: request.method,
      headers: request.headers,
      body: request.body && !['GET', 'HEAD'].includes(request.method) ? request.body : undefined,
      redirect: 'manual',
      signal,
    });
    // The body read shares the signal, so a slow body also times out.
    const body = Buffer.from(await response.arrayBuffer());
    return {
      kind: 'response',
      status: response.status,
      headers: forwardableHeaders(Object.fromEntries(response.headers)),
      cookies: response.headers.getSetCookie(),
      body,
      failure: isHealthFailureStatus(response.status),
    };
  } catch (error) {
    if (signal.aborted || isTimeout(error)) return { kind: 'timeout', failure: true };
    return { kind: 'network-error', failure: true, reason: errorReason(error) };
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** A short, token-free description: error name and code, never the URL or payload. */
function errorReason(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? error.name;
}
