import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { createStore } from '../adapters/store.js';
import { CircuitBreaker, type BreakerResult, type RejectReason } from '../core/breaker.js';
import { loadConfig, type AppConfig } from '../core/config.js';
import { callDownstream, forwardableHeaders, type DownstreamOutcome, type DownstreamRequest } from '../core/downstream.js';
import { createObserver, logger, metrics } from '../core/telemetry.js';

/**
 * EventBridge Scheduler entry: one downstream call per run. The schedule's target input is
 * the call to make (set in the infrastructure code):
 *
 *   {"method":"POST","path":"/jobs/refresh","scheduledTime":"<aws.scheduler.scheduled-time>"}
 *
 * - closed: the call is made; a failed call is logged and counted, NOT thrown: the next run is
 *   the retry, so a failing downstream never causes a retry storm.
 * - open: the run is skipped without touching the downstream, logged and counted.
 * - an invalid input is a deployment mistake: it throws, so it lands in the dead-letter queue
 *   (the function's on-failure destination) and the function's error alarm fires.
 */

/** Metrics of this trigger; the breaker's own are in core/telemetry.ts. */
export const ScheduleMetric = {
  ScheduledRunSucceeded: 'ScheduledRunSucceeded',
  ScheduledRunFailed: 'ScheduledRunFailed',
  ScheduledRunSkipped: 'ScheduledRunSkipped',
  InvalidScheduleInput: 'InvalidScheduleInput',
} as const;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The schedule's input. Strict: a typo in the template is an error, not a silently dropped field. */
export const runSchema = z
  .strictObject({
    method: z.enum(METHODS, { error: `method must be one of ${METHODS.join(', ')}` }),
    path: z
      .string('path must be a string')
      .check(z.maxLength(2048, 'path must be at most 2048 characters'), z.regex(/^\/[^\s#]*$/, 'path must start with "/" and contain no whitespace or "#"')),
    headers: z.optional(z.record(z.string(), z.string('header values must be strings'), { error: 'headers must be an object of strings' })),
    body: z.optional(
      z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], { error: 'body must be a string, an object or an array' }),
    ),
    /** Filled in by EventBridge Scheduler (`<aws.scheduler.scheduled-time>`); logged only. */
    scheduledTime: z.optional(z.string()),
  })
  .check(z.refine((m) => !(m.method === 'GET' && m.body !== undefined), { error: 'a GET request cannot carry a body', path: ['body'] }));

export type ScheduledRun = z.infer<typeof runSchema>;

export type RunResult =
  | { readonly status: 'delivered'; readonly statusCode: number }
  | {
      readonly status: 'failed';
      readonly reason: 'downstream-status' | 'downstream-timeout' | 'downstream-unreachable';
      readonly statusCode?: number;
    }
  | { readonly status: 'skipped'; readonly reason: RejectReason; readonly retryAfterSeconds: number };

export class InvalidScheduleInputError extends Error {
  override readonly name = 'InvalidScheduleInputError';
}

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
  return async (event: unknown, context: Context): Promise<RunResult> => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    try {
      const parsed = runSchema.safeParse(event);
      if (!parsed.success) {
        const issues = describeIssues(parsed.error.issues);
        logger.error('invalid schedule input: fix the schedule target input', { issues });
        metrics.addMetric(ScheduleMetric.InvalidScheduleInput, MetricUnit.Count, 1);
        throw new InvalidScheduleInputError(`Invalid schedule input: ${issues.join('; ')}`);
      }
      const run = parsed.data;
      const timeoutMs = Math.max(
        MIN_TIMEOUT_MS,
        Math.min(config.downstreamTimeoutMs, context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS),
      );
      const result = await breaker.execute(
        config.circuitKey,
        () => callDownstream(config.downstreamUrl, toDownstreamRequest(run), timeoutMs, deps.fetch),
        (outcome) => outcome.failure,
      );
      const outcome = toRunResult(result);
      const details = { method: run.method, path: run.path, scheduledTime: run.scheduledTime, ...outcome };
      switch (outcome.status) {
        case 'delivered':
          logger.info('scheduled run delivered', details);
          metrics.addMetric(ScheduleMetric.ScheduledRunSucceeded, MetricUnit.Count, 1);
          break;
        case 'failed':
          logger.warn('scheduled run failed; the next run is the retry', details);
          metrics.addMetric(ScheduleMetric.ScheduledRunFailed, MetricUnit.Count, 1);
          break;
        case 'skipped':
          logger.warn('scheduled run skipped: circuit open', details);
          metrics.addMetric(ScheduleMetric.ScheduledRunSkipped, MetricUnit.Count, 1);
          break;
      }
      return outcome;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

export function toDownstreamRequest(run: ScheduledRun): DownstreamRequest {
  const headers = forwardableHeaders(run.headers ?? {});
  let body: Buffer | undefined;
  if (typeof run.body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    body = Buffer.from(run.body, 'utf8');
  } else if (run.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = Buffer.from(JSON.stringify(run.body), 'utf8');
  }
  return { method: run.method, pathAndQuery: run.path, headers, ...(body ? { body } : {}) };
}

export function toRunResult(result: BreakerResult<DownstreamOutcome>): RunResult {
  if (result.kind === 'rejected') {
    return { status: 'skipped', reason: result.reason, retryAfterSeconds: result.retryAfterSeconds };
  }
  const outcome = result.result;
  switch (outcome.kind) {
    case 'response':
      return outcome.status >= 200 && outcome.status < 300
        ? { status: 'delivered', statusCode: outcome.status }
        : { status: 'failed', reason: 'downstream-status', statusCode: outcome.status };
    case 'timeout':
      return { status: 'failed', reason: 'downstream-timeout' };
    case 'network-error':
      return { status: 'failed', reason: 'downstream-unreachable' };
  }
}

/** Where the input breaks the contract: paths, rules and key names, never values. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const where = i.path.join('.') || '(input)';
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
