import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DecisionObserver } from './gatekeeper.js';

/**
 * Powertools Logger (structured JSON) and Metrics (CloudWatch EMF), created once per container.
 * What is logged: the decision, its reason, the route and the subject. NEVER the token, the
 * Authorization header, the event, or error messages of the JWT library (only error names).
 */
export const logger = new Logger();
export const metrics = new Metrics();

/** Metric names are part of the contract with the IaC alarms; keep them in one place. */
export const MetricName = {
  Allowed: 'Allowed',
  Denied: 'Denied',
  StoreError: 'StoreError',
  KeysUnavailable: 'KeysUnavailable',
  AuthorizerError: 'AuthorizerError',
} as const;

function errorSummary(error: unknown) {
  return error instanceof Error ? { name: error.name } : { name: 'unknown' };
}

export function createObserver(log: Logger = logger, m: Metrics = metrics): DecisionObserver {
  return {
    decided(decision) {
      if (decision.effect === 'allow') {
        log.info('access allowed', { route: decision.route, sub: decision.context.sub });
        m.addMetric(MetricName.Allowed, MetricUnit.Count, 1);
      } else {
        log.info('access denied', { route: decision.route, reason: decision.reason, status: decision.status, ...(decision.sub ? { sub: decision.sub } : {}) });
        m.addMetric(MetricName.Denied, MetricUnit.Count, 1);
      }
    },
    error({ stage, error }) {
      log.error('authorizer could not decide; denying', { stage, error: errorSummary(error) });
      const name = stage === 'store' ? MetricName.StoreError : stage === 'verify' ? MetricName.KeysUnavailable : MetricName.AuthorizerError;
      m.addMetric(name, MetricUnit.Count, 1);
    },
  };
}
