import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { callerFrom, respond } from '../core/backend.js';
import { loadBackendConfig, type BackendConfig } from '../core/config.js';

/** The sample protected function behind the HTTP API: echoes the caller the authorizer let in. */

export type AuthorizedEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;

export function createBackendHandler(config: BackendConfig) {
  return async (event: AuthorizedEvent): Promise<APIGatewayProxyStructuredResultV2> =>
    respond(callerFrom(event.requestContext?.authorizer?.lambda), event.routeKey, config.allowedOrigin);
}

export const handler = createBackendHandler(loadBackendConfig());
