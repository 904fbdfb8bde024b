import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { createPermissionStore } from '../adapters/store.js';
import { loadAuthorizerConfig } from '../core/config.js';
import { Gatekeeper } from '../core/gatekeeper.js';
import { createObserver, logger, metrics } from '../core/telemetry.js';
import { headerValue } from '../core/token.js';
import { createTokenVerifier } from '../core/verifier.js';

/**
 * REST API Lambda authorizer, REQUEST type, returning an IAM policy.
 *
 *   allowed                → Allow execute-api:Invoke on THIS route's ARN, context { sub, scopes }
 *   no acceptable token    → throw new Error('Unauthorized')   → API Gateway answers 401
 *   not allowed / error    → Deny on this route's ARN          → API Gateway answers 403
 *
 * Caching stays correct because the cache key is (Authorization header, HTTP method, resource
 * path) — see the identity sources in the infrastructure code — AND the policy names exactly the
 * route it was decided for: `.../<stage>/<METHOD>/orders/*` for the resource `/orders/{id}`.
 * A cached policy is only ever applied to requests with the same token on the same route, and
 * even if the identity sources were changed it could not open another route.
 */

export function createHandler(gatekeeper: Gatekeeper) {
  return async (event: APIGatewayRequestAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> => {
    let routeArn = '';
    let decision;
    try {
      if (context) logger.addContext(context);
      if (context) metrics.captureColdStartMetric(context.functionName);
      const method = event.requestContext?.httpMethod ?? event.httpMethod ?? '';
      const resource = event.requestContext?.resourcePath ?? event.resource ?? '';
      routeArn = routeArnFor(event.methodArn, method, resource);
      const duplicated = (event.multiValueHeaders?.Authorization?.length ?? 0) + (event.multiValueHeaders?.authorization?.length ?? 0) > 1;
      decision = await gatekeeper.authorize({
        authorization: duplicated ? '\u0000duplicated' : headerValue(event.headers, 'authorization'),
        method,
        resource,
      });
    } catch {
      decision = undefined;
    } finally {
      try {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      } catch {
        // never let telemetry change the answer
      }
    }
    if (decision?.effect === 'allow' && routeArn) {
      return { principalId: decision.context.sub, policyDocument: policy('Allow', routeArn), context: { sub: decision.context.sub, scopes: decision.context.scopes } };
    }
    if (decision?.effect === 'deny' && decision.status === 401) throw new Error('Unauthorized');
    // 403, or we could not even decide: an explicit Deny (on the route if known, else on nothing useful).
    return { principalId: 'denied', policyDocument: policy('Deny', routeArn || event?.methodArn || 'arn:aws:execute-api:*:*:*/*/*/*') };
  };
}

function policy(effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult['policyDocument'] {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] };
}

/**
 * The ARN of the ROUTE (not the concrete path): methodArn is
 * `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path...>`; the path is
 * replaced by the resource template with each `{param}` / `{proxy+}` as `*`.
 */
export function routeArnFor(methodArn: string, method: string, resource: string): string {
  const match = /^(arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+)\/([^/]+)\//.exec(methodArn ?? '');
  if (!match || !/^[A-Z]+$/.test(method) || !resource.startsWith('/')) return '';
  const path = resource.replace(/\{[^/}]+\+?\}/g, '*');
  return `${match[1]}/${match[2]}/${method}${path}`;
}

// Built once per container, outside the handler: configuration, verifier (and its JWKS cache), store client.
const config = loadAuthorizerConfig();
export const handler = createHandler(
  new Gatekeeper({ config, verifier: createTokenVerifier(config), store: createPermissionStore(), observer: createObserver() }),
);
