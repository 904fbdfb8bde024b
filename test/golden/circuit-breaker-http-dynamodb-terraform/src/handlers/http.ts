import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createStore } from '../adapters/store.js';
import { CircuitBreaker, type BreakerResult } from '../core/breaker.js';
import { loadConfig, type AppConfig } from '../core/config.js';
import { callDownstream, forwardableHeaders, type DownstreamOutcome, type DownstreamRequest } from '../core/downstream.js';
import { createObserver, logger, metrics } from '../core/telemetry.js';

/**
 * HTTP API (payload format 2.0) entry: proxies the request to DOWNSTREAM_URL through the
 * circuit breaker and maps the outcome to an API Gateway v2 response.
 */

type HttpResult = APIGatewayProxyStructuredResultV2;

export interface HandlerDeps {
  readonly config: AppConfig;
  readonly breaker: CircuitBreaker;
  readonly fetch?: typeof fetch;
}

/** Time kept back from the function's own deadline for the store writes after a failure. */
const DEADLINE_RESERVE_MS = 1000;
const MIN_TIMEOUT_MS = 50;

export function createHandler(deps: HandlerDeps) {
  const { config, breaker } = deps;
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    try {
      const request = toDownstreamRequest(event);
      const timeoutMs = Math.max(
        MIN_TIMEOUT_MS,
        Math.min(config.downstreamTimeoutMs, context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS),
      );
      const result = await breaker.execute(
        config.circuitKey,
        () => callDownstream(config.downstreamUrl, request, timeoutMs, deps.fetch),
        (outcome) => outcome.failure,
      );
      const response = toHttpResult(result, config);
      logger.debug('request completed', {
        method: request.method,
        path: event.rawPath,
        statusCode: response.statusCode,
        outcome: result.kind === 'executed' ? result.result.kind : `rejected:${result.reason}`,
      });
      return response;
    } catch (error) {
      logger.error('unhandled error', error as Error);
      return json(500, { message: 'Internal server error' });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export function toDownstreamRequest(event: APIGatewayProxyEventV2): DownstreamRequest {
  const headers = forwardableHeaders(event.headers ?? {});
  if (event.cookies?.length) headers.cookie = event.cookies.join('; ');
  const body =
    event.body === undefined ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext.http.method,
    pathAndQuery: `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
    headers,
    ...(body ? { body } : {}),
  };
}

export function toHttpResult(result: BreakerResult<DownstreamOutcome>, config: AppConfig): HttpResult {
  if (result.kind === 'rejected') {
    if (config.fallback) {
      const { statusCode, headers, body } = config.fallback;
      const isText = typeof body === 'string';
      return {
        statusCode,
        headers: { ...(isText ? {} : { 'content-type': 'application/json' }), ...headers },
        body: isText ? body : JSON.stringify(body),
      };
    }
    return json(
      503,
      { message: 'Service temporarily unavailable', reason: result.reason, retryAfterSeconds: result.retryAfterSeconds },
      { 'retry-after': String(result.retryAfterSeconds) },
    );
  }
  const outcome = result.result;
  switch (outcome.kind) {
    case 'timeout':
      return json(504, { message: 'Downstream timed out' });
    case 'network-error':
      return json(502, { message: 'Downstream unreachable' });
    case 'response': {
      const text = isTextual(outcome.headers['content-type']);
      return {
        statusCode: outcome.status,
        headers: outcome.headers,
        ...(outcome.cookies.length ? { cookies: outcome.cookies } : {}),
        body: outcome.body.toString(text ? 'utf8' : 'base64'),
        isBase64Encoded: !text,
      };
    }
  }
}

function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return true; // empty bodies and plain defaults
  return /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i.test(contentType);
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

// ---- Cold start: configuration is validated once; a bad value fails the init with a clear message.
const config = loadConfig();
const breaker = new CircuitBreaker({
  store: createStore({ ttlSeconds: config.stateTtlSeconds }),
  config: config.breaker,
  observer: createObserver(),
});
export const handler = createHandler({ config, breaker });
