import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { createPermissionStore } from '../adapters/store.js';
import { loadAuthorizerConfig } from '../core/config.js';
import { Gatekeeper } from '../core/gatekeeper.js';
import { createObserver, logger, metrics } from '../core/telemetry.js';
import { headerValue } from '../core/token.js';
import { createTokenVerifier } from '../core/verifier.js';

/**
 * HTTP API Lambda authorizer: payload format 2.0, SIMPLE responses.
 *
 *   { isAuthorized: true, context: { sub, scopes } }   → the route's integration runs
 *   { isAuthorized: false }                             → API Gateway answers 403
 *   missing Authorization header                        → API Gateway answers 401 itself
 *   anything thrown / init failure / timeout            → API Gateway answers 500 (still no access)
 *
 * The decision depends on the route, so the API caches it per (Authorization, $context.routeKey):
 * see the identity sources in the infrastructure code.
 */

type SimpleResult = { isAuthorized: true; context: { sub: string; scopes: string } } | { isAuthorized: false };

const DENY: SimpleResult = Object.freeze({ isAuthorized: false as const });

/** `GET /orders/{id}` → ['GET', '/orders/{id}']; `$default` has no method and is denied. */
function splitRouteKey(routeKey: string | undefined): [string, string] {
  const match = /^([A-Z]+) (\/.*)$/.exec(routeKey ?? '');
  return match ? [match[1]!, match[2]!] : ['', ''];
}

export function createHandler(gatekeeper: Gatekeeper) {
  return async (event: APIGatewayRequestAuthorizerEventV2, context?: Context): Promise<SimpleResult> => {
    try {
      if (context) logger.addContext(context);
      if (context) metrics.captureColdStartMetric(context.functionName);
      const [method, resource] = splitRouteKey(event?.routeKey);
      const decision = await gatekeeper.authorize({ authorization: headerValue(event?.headers, 'authorization'), method, resource });
      return decision.effect === 'allow' ? { isAuthorized: true, context: { sub: decision.context.sub, scopes: decision.context.scopes } } : DENY;
    } catch {
      // Default deny, whatever happened (the Gatekeeper already denies on its own errors).
      return DENY;
    } finally {
      try {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      } catch {
        // never let telemetry change the answer
      }
    }
  };
}

// Built once per container, outside the handler: configuration, verifier (and its JWKS cache), store client.
const config = loadAuthorizerConfig();
export const handler = createHandler(
  new Gatekeeper({ config, verifier: createTokenVerifier(config), store: createPermissionStore(), observer: createObserver() }),
);
