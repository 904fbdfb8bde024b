import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { callerFrom, respond } from '../core/backend.js';
import { loadBackendConfig, type BackendConfig } from '../core/config.js';

/** The sample protected function behind the REST API: echoes the caller the authorizer let in. */

export function createBackendHandler(config: BackendConfig) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    respond(callerFrom(event.requestContext?.authorizer), `${event.httpMethod} ${event.resource}`, config.allowedOrigin);
}

export const handler = createBackendHandler(loadBackendConfig());
