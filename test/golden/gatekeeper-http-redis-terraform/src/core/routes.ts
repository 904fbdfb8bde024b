/**
 * Route → required permissions, from configuration (ROUTE_PERMISSIONS, JSON):
 *
 *   { "GET /orders": ["orders:read"], "GET /orders/{id}": ["orders:read"], "POST /orders": ["orders:write"] }
 *
 * Keys are API Gateway route keys: METHOD (or ANY) + the route's resource path as declared in
 * the API (`/orders/{id}`, `/files/{proxy+}`), never the concrete request path. The caller must
 * hold ALL listed permissions; an empty list means "any authenticated caller". A route with no
 * entry is DENIED: adding a route to the API without adding it here fails closed.
 */

export type RoutePermissions = ReadonlyMap<string, readonly string[]>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;
const ROUTE_KEY = new RegExp(`^(${METHODS.join('|')}) (/[A-Za-z0-9._~{}+/-]*)$`);
export const PERMISSION = /^[A-Za-z0-9._:/*-]{1,128}$/;

export function parseRoutePermissions(raw: string): RoutePermissions {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('must be valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('must be a JSON object of route key → permission list');
  const routes = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(json)) {
    if (!ROUTE_KEY.test(key)) throw new Error(`"${key}" is not a route key such as "GET /orders/{id}"`);
    if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && PERMISSION.test(p))) {
      throw new Error(`"${key}" must map to a list of permission names (letters, digits, . _ : / * -)`);
    }
    routes.set(key, Object.freeze([...new Set(value as string[])]));
  }
  if (routes.size === 0) throw new Error('lists no route: every request would be denied');
  return routes;
}

/** The permissions a route requires, or undefined when the route is not configured (→ deny). */
export function requiredPermissions(routes: RoutePermissions, method: string, resource: string): readonly string[] | undefined {
  return routes.get(`${method.toUpperCase()} ${resource}`) ?? routes.get(`ANY ${resource}`);
}
