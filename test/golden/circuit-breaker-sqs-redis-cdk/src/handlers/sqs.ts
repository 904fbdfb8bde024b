import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { createStore } from '../adapters/store.js';
import { CircuitBreaker } from '../core/breaker.js';
import { loadConfig, type AppConfig } from '../core/config.js';
import { callDownstream, forwardableHeaders, type DownstreamRequest } from '../core/downstream.js';
import { createObserver, logger, metrics } from '../core/telemetry.js';

/**
 * SQS entry (queue worker). Each message body describes ONE downstream call:
 *
 *   {"method":"POST","path":"/orders","headers":{"x-tenant":"t1"},"body":{"sku":"A-1"}}
 *
 * Records are processed one after the other through the circuit breaker, so once the circuit
 * opens the rest of the batch is not sent to the failing service. Every record that did not
 * get a 2xx is reported in `batchItemFailures` (the event source mapping has
 * ReportBatchItemFailures): it becomes visible again after the visibility timeout and, after
 * maxReceiveCount receives, the queue's redrive policy moves it to the dead-letter queue.
 * Nothing is acknowledged unless the downstream accepted it; a batch in which every record
 * failed reports every record (it is never an empty, i.e. successful, response).
 */

/** Metrics of this trigger; the breaker's own are in core/telemetry.ts. */
export const QueueMetric = {
  RecordDelivered: 'RecordDelivered',
  RecordFailed: 'RecordFailed',
  InvalidRecord: 'InvalidRecord',
} as const;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The message contract. Strict: an unknown key (say `header` for `headers`) is an invalid
 * record, not a silently dropped field. `path` is resolved below DOWNSTREAM_URL and cannot
 * leave its origin (see downstreamUrlFor).
 */
export const messageSchema = z
  .strictObject({
    method: z.enum(METHODS, { error: `method must be one of ${METHODS.join(', ')}` }),
    path: z
      .string('path must be a string')
      .check(z.maxLength(2048, 'path must be at most 2048 characters'), z.regex(/^\/[^\s#]*$/, 'path must start with "/" and contain no whitespace or "#"')),
    headers: z.optional(z.record(z.string(), z.string('header values must be strings'), { error: 'headers must be an object of strings' })),
    body: z.optional(
      z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], { error: 'body must be a string, an object or an array' }),
    ),
  })
  .check(z.refine((m) => !(m.method === 'GET' && m.body !== undefined), { error: 'a GET request cannot carry a body', path: ['body'] }));

export type QueueMessage = z.infer<typeof messageSchema>;

export interface HandlerDeps {
  readonly config: AppConfig;
  readonly breaker: CircuitBreaker;
  readonly fetch?: typeof fetch;
}

/** Time kept back from the function's deadline for the store writes after a failed call. */
const DEADLINE_RESERVE_MS = 1000;

type RecordOutcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly reason: FailureReason; readonly status?: number };

type FailureReason =
  | 'invalid'
  | 'deadline'
  | 'circuit-open'
  | 'circuit-probe-in-flight'
  | 'circuit-store-unavailable'
  | 'downstream-status'
  | 'downstream-timeout'
  | 'downstream-unreachable'
  | 'error';

export function createHandler(deps: HandlerDeps) {
  const { config, breaker } = deps;

  async function processRecord(record: SQSRecord, context: Context): Promise<RecordOutcome> {
    const parsed = toDownstreamRequest(record);
    if (!parsed.ok) {
      // Never the body: only where the contract was broken.
      logger.warn('invalid record: reported as failed, it will reach the dead-letter queue', {
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        bodyBytes: Buffer.byteLength(record.body),
        issues: parsed.issues,
      });
      metrics.addMetric(QueueMetric.InvalidRecord, MetricUnit.Count, 1);
      return { ok: false, reason: 'invalid' };
    }
    // Start a call only if it can run its full timeout and still record its result.
    if (context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS < config.downstreamTimeoutMs) {
      return { ok: false, reason: 'deadline' };
    }
    const result = await breaker.execute(
      config.circuitKey,
      () => callDownstream(config.downstreamUrl, parsed.request, config.downstreamTimeoutMs, deps.fetch),
      (outcome) => outcome.failure,
    );
    if (result.kind === 'rejected') return { ok: false, reason: `circuit-${result.reason}` };
    const outcome = result.result;
    switch (outcome.kind) {
      case 'response':
        return outcome.status >= 200 && outcome.status < 300
          ? { ok: true, status: outcome.status }
          : { ok: false, reason: 'downstream-status', status: outcome.status };
      case 'timeout':
        return { ok: false, reason: 'downstream-timeout' };
      case 'network-error':
        return { ok: false, reason: 'downstream-unreachable' };
    }
  }

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    const batchItemFailures: SQSBatchItemFailure[] = [];
    const reasons: Partial<Record<FailureReason, number>> = {};
    try {
      for (const record of event.Records) {
        let outcome: RecordOutcome;
        try {
          outcome = await processRecord(record, context);
        } catch (error) {
          const e = error instanceof Error ? { name: error.name, message: error.message } : { name: 'unknown' };
          logger.error('unexpected error while processing a record', { messageId: record.messageId, error: e });
          outcome = { ok: false, reason: 'error' };
        }
        if (outcome.ok) {
          metrics.addMetric(QueueMetric.RecordDelivered, MetricUnit.Count, 1);
          continue;
        }
        batchItemFailures.push({ itemIdentifier: record.messageId });
        reasons[outcome.reason] = (reasons[outcome.reason] ?? 0) + 1;
        metrics.addMetric(QueueMetric.RecordFailed, MetricUnit.Count, 1);
        if (outcome.reason !== 'invalid') {
          // Circuit rejections are expected while open (and counted as CallRejected): debug only.
          const level = outcome.reason.startsWith('circuit-') ? 'debug' : 'warn';
          logger[level]('record failed: it will be retried after the visibility timeout', {
            messageId: record.messageId,
            receiveCount: Number(record.attributes.ApproximateReceiveCount),
            reason: outcome.reason,
            ...(outcome.status === undefined ? {} : { statusCode: outcome.status }),
          });
        }
      }
      const failed = batchItemFailures.length;
      logger[failed ? 'warn' : 'info']('batch processed', {
        records: event.Records.length,
        delivered: event.Records.length - failed,
        failed,
        reasons,
      });
      return { batchItemFailures };
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export type ParsedRecord =
  | { readonly ok: true; readonly request: DownstreamRequest }
  | { readonly ok: false; readonly issues: string[] };

/**
 * Message → downstream request. Object and array bodies are sent as JSON; string bodies as
 * they are. The SQS message id becomes the `idempotency-key` header (unless the message sets
 * one): it is the same on every redelivery, so the downstream can drop duplicates.
 */
export function toDownstreamRequest(record: SQSRecord): ParsedRecord {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { ok: false, issues: ['body is not valid JSON'] };
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, issues: describeIssues(parsed.error.issues) };
  }
  const message = parsed.data;
  const headers: Record<string, string> = { 'idempotency-key': record.messageId, ...forwardableHeaders(message.headers ?? {}) };
  let body: Buffer | undefined;
  if (typeof message.body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    body = Buffer.from(message.body, 'utf8');
  } else if (message.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = Buffer.from(JSON.stringify(message.body), 'utf8');
  }
  return { ok: true, request: { method: message.method, pathAndQuery: message.path, headers, ...(body ? { body } : {}) } };
}

/** Where the input breaks the contract: paths, rules and key names, never values. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const where = i.path.join('.') || '(message)';
    if (i.code === 'unrecognized_keys') return `${where}: unknown key${i.keys.length > 1 ? 's' : ''}: ${i.keys.join(', ')}`;
    return `${where}: ${i.message}`;
  });
}

// ---- Cold start: configuration is validated once; a bad value fails the init with a clear message.
const config = loadConfig();
const breaker = new CircuitBreaker({
  store: createStore({ ttlSeconds: config.stateTtlSeconds }),
  config: config.breaker,
  observer: createObserver(),
});
export const handler = createHandler({ config, breaker });
