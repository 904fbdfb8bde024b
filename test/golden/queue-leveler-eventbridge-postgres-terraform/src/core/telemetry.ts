import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WorkerObserver } from './worker.js';

/**
 * Powertools Logger (structured JSON) and Metrics (CloudWatch EMF), created once per execution
 * environment. Service and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
 */
export const logger = new Logger();
export const metrics = new Metrics();

/** Metric names are part of the contract with the IaC alarms; keep them in one place. */
export const MetricName = {
  ItemWritten: 'ItemWritten',
  DuplicateSkipped: 'DuplicateSkipped',
  RecordIgnored: 'RecordIgnored',
  InvalidRecord: 'InvalidRecord',
  StoreError: 'StoreError',
  RecordFailed: 'RecordFailed',
} as const;

/** Only the error's name and message: SDK and driver errors carry no payloads or credentials. */
export const describeError = (error: unknown) => (error instanceof Error ? { name: error.name, message: error.message } : { name: 'unknown' });

export function createObserver(log: Logger = logger, m: Metrics = metrics): WorkerObserver {
  return {
    written: () => m.addMetric(MetricName.ItemWritten, MetricUnit.Count, 1),
    duplicate({ messageId, id }) {
      log.info('duplicate skipped: already stored', { messageId, id });
      m.addMetric(MetricName.DuplicateSkipped, MetricUnit.Count, 1);
    },
    ignored({ messageId, reason }) {
      log.info('record ignored', { messageId, reason });
      m.addMetric(MetricName.RecordIgnored, MetricUnit.Count, 1);
    },
    invalid({ messageId, receiveCount, issues }) {
      // The body is never logged: it may hold personal data or secrets. The message id finds it in the DLQ.
      log.warn('invalid record: reported as failed, it reaches the dead-letter queue after MaxReceiveCount receives', { messageId, receiveCount, issues });
      m.addMetric(MetricName.InvalidRecord, MetricUnit.Count, 1);
    },
    storeError({ messageId, id, error }) {
      log.error('store write failed: the record is retried', { messageId, id, error: describeError(error) });
      m.addMetric(MetricName.StoreError, MetricUnit.Count, 1);
    },
    batch(summary) {
      if (summary.failed > 0) m.addMetric(MetricName.RecordFailed, MetricUnit.Count, summary.failed);
      log[summary.failed > 0 ? 'warn' : 'info']('batch processed', summary);
    },
  };
}
