/**
 * Strict `Authorization: Bearer <jwt>` parsing, before any decoding or crypto:
 * - the header is measured first; anything over the cap is rejected unread;
 * - exactly `Bearer` (any case, RFC 7235), ONE space, three base64url segments, nothing else:
 *   no other scheme, no surrounding whitespace, no comma-joined duplicate headers;
 * - an empty signature segment (the `alg: none` shape) is malformed.
 * The token itself is never logged, echoed or put in an error message.
 */

export type BearerParse =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly reason: 'missing-token' | 'oversized-token' | 'malformed-token' };

const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

export function parseBearer(header: string | undefined | null, maxBytes: number): BearerParse {
  if (header === undefined || header === null || header === '') return { ok: false, reason: 'missing-token' };
  if (typeof header !== 'string') return { ok: false, reason: 'malformed-token' };
  // Length in UTF-16 units first (cheap, bounds the work), then the exact byte length.
  if (header.length > maxBytes || Buffer.byteLength(header, 'utf8') > maxBytes) return { ok: false, reason: 'oversized-token' };
  const match = BEARER.exec(header);
  return match ? { ok: true, token: match[1]! } : { ok: false, reason: 'malformed-token' };
}

/** Header lookup that ignores case, as HTTP does. Several values (REST multiValueHeaders) are refused. */
export function headerValue(headers: Readonly<Record<string, string | undefined>> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  let found: string | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) {
      found = value;
      count += 1;
    }
  }
  return count > 1 ? '\u0000ambiguous' : found;
}
