/**
 * The sample protected backend's logic. It trusts ONLY the context the authorizer attached
 * (subject and scopes, as strings); it never sees or re-parses the token. Requests only reach it
 * after the authorizer allowed them for this route.
 */

export interface Caller {
  readonly sub: string;
  readonly scopes: readonly string[];
}

/** Reads the authorizer context defensively: anything missing means the request was not authorized. */
export function callerFrom(context: Readonly<Record<string, unknown>> | null | undefined): Caller | undefined {
  const sub = context?.sub;
  const scopes = context?.scopes;
  if (typeof sub !== 'string' || sub === '' || typeof scopes !== 'string') return undefined;
  return { sub, scopes: scopes.split(' ').filter(Boolean) };
}

export interface BackendResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function respond(caller: Caller | undefined, route: string, allowedOrigin: string): BackendResponse {
  const headers = {
    'content-type': 'application/json',
    'access-control-allow-origin': allowedOrigin,
    'cache-control': 'no-store',
    ...(allowedOrigin === '*' ? {} : { vary: 'Origin' }),
  };
  if (!caller) return { statusCode: 403, headers, body: JSON.stringify({ message: 'Forbidden' }) };
  return { statusCode: 200, headers, body: JSON.stringify({ route, caller: { sub: caller.sub, scopes: caller.scopes } }) };
}
