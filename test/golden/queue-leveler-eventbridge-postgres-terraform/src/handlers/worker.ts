import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseRecord } from '../adapters/source.js';
import { createStore } from '../adapters/store.js';
import { loadConfig } from '../core/config.js';
import { createObserver, describeError, logger, metrics } from '../core/telemetry.js';
import { BatchFailedError, createWorker } from '../core/worker.js';

// ---- Cold start: configuration validated once; the store client (and its connections) lives as
// long as the execution environment and is reused by every invocation.
const config = loadConfig();
const work = createWorker({
  parse: parseRecord,
  store: createStore({ maxConcurrency: config.parallelism }),
  parallelism: config.parallelism,
  observer: createObserver(),
});

/** Lambda entry for the SQS event source mapping (ReportBatchItemFailures). */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    return await work(event);
  } catch (error) {
    if (!(error instanceof BatchFailedError)) logger.error('unhandled error: the whole batch is retried', { error: describeError(error) });
    throw error;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
