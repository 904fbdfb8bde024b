import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BreakerObserver } from './breaker.js';

/**
 * Powertools Logger (structured JSON) and Metrics (CloudWatch EMF). Service name and
 * namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
 * Created once per execution environment, outside the handler.
 */
export const logger = new Logger();
export const metrics = new Metrics();

/** Metric names are part of the contract with the IaC alarms; keep them in one place. */
export const MetricName = {
  CircuitOpened: 'CircuitOpened',
  CircuitHalfOpened: 'CircuitHalfOpened',
  CircuitClosed: 'CircuitClosed',
  CallRejected: 'CallRejected',
  DownstreamFailure: 'DownstreamFailure',
  StoreError: 'StoreError',
  ProbeLeaseLost: 'ProbeLeaseLost',
} as const;

const TRANSITION_METRIC = {
  open: MetricName.CircuitOpened,
  'half-open': MetricName.CircuitHalfOpened,
  closed: MetricName.CircuitClosed,
} as const;

export function createObserver(log: Logger = logger, m: Metrics = metrics): BreakerObserver {
  return {
    transition({ key, from, to, reason }) {
      const level = to === 'open' ? 'warn' : 'info';
      log[level]('circuit state transition', { circuit: key, from, to, reason });
      m.addMetric(TRANSITION_METRIC[to], MetricUnit.Count, 1);
    },
    rejected({ key, reason, retryAfterSeconds }) {
      log.debug('call rejected by circuit', { circuit: key, reason, retryAfterSeconds });
      m.addMetric(MetricName.CallRejected, MetricUnit.Count, 1);
    },
    failureRecorded({ key, failures, threshold }) {
      log.info('downstream failure recorded', { circuit: key, failures, threshold });
      m.addMetric(MetricName.DownstreamFailure, MetricUnit.Count, 1);
    },
    storeError({ key, operation, policy, error }) {
      // Only the error's name and message: SDK errors carry no credentials or payloads.
      const e = error instanceof Error ? { name: error.name, message: error.message } : { name: 'unknown' };
      log.error('circuit store unavailable', { circuit: key, operation, policy, error: e });
      m.addMetric(MetricName.StoreError, MetricUnit.Count, 1);
    },
    probeLeaseLost({ key, probeId }) {
      log.warn('probe result ignored: lease taken over by another probe', { circuit: key, probeId });
      m.addMetric(MetricName.ProbeLeaseLost, MetricUnit.Count, 1);
    },
  };
}
