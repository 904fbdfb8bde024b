import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { RecordParser, WorkStore } from './work.js';

/** What the worker reports; the default implementation (telemetry.ts) logs and counts. */
export interface WorkerObserver {
  written(e: { messageId: string; id: string }): void;
  duplicate(e: { messageId: string; id: string }): void;
  ignored(e: { messageId: string; reason: string }): void;
  invalid(e: { messageId: string; receiveCount: number; issues: readonly string[] }): void;
  storeError(e: { messageId: string; id: string; error: unknown }): void;
  batch(e: { records: number; written: number; duplicates: number; ignored: number; invalid: number; failed: number }): void;
}

/**
 * Thrown when every record of a non-empty batch failed. The invocation then fails (counted in the
 * function's Errors metric, and the event source mapping backs off) instead of returning a response
 * that lists every record, which is easy to mistake for a success on a dashboard.
 */
export class BatchFailedError extends Error {
  constructor(readonly failed: number) {
    super(`all ${failed} records of the batch failed; they will be received again`);
    this.name = 'BatchFailedError';
  }
}

export interface WorkerOptions {
  parse: RecordParser;
  store: WorkStore;
  /** Records in flight at once (≥ 1). */
  parallelism: number;
  observer: WorkerObserver;
}

type Outcome = 'written' | 'duplicates' | 'ignored' | 'invalid' | 'failed';

/**
 * The SQS worker: partial batch processing by hand (Powertools' batch utility has no release on this
 * project's Powertools version line). Each record is parsed and validated by the trigger's parser,
 * then written with an idempotent `put`. Failed records are returned in `batchItemFailures`
 * (the event source mapping has ReportBatchItemFailures): SQS deletes the others and delivers
 * these again after the visibility timeout, until the redrive policy moves them to the DLQ.
 */
export function createWorker({ parse, store, parallelism, observer }: WorkerOptions) {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new Error('parallelism must be an integer >= 1');

  async function processRecord(record: SQSRecord): Promise<Outcome> {
    let parsed;
    try {
      parsed = parse(record);
    } catch {
      parsed = { kind: 'invalid', issues: ['the parser threw'] } as const;
    }
    if (parsed.kind === 'ignore') {
      observer.ignored({ messageId: record.messageId, reason: parsed.reason });
      return 'ignored';
    }
    if (parsed.kind === 'invalid') {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 0);
      observer.invalid({ messageId: record.messageId, receiveCount, issues: parsed.issues });
      return 'invalid';
    }
    let outcome: Outcome = 'duplicates';
    // Items of one record (an S3 notification may carry several) are written in order; if one
    // fails the record is retried and the items already written come back as duplicates.
    for (const item of parsed.items) {
      try {
        const result = await store.put(item);
        if (result === 'created') {
          observer.written({ messageId: record.messageId, id: item.id });
          outcome = 'written';
        } else {
          observer.duplicate({ messageId: record.messageId, id: item.id });
        }
      } catch (error) {
        observer.storeError({ messageId: record.messageId, id: item.id, error });
        return 'failed';
      }
    }
    return outcome;
  }

  return async function handle(event: SQSEvent): Promise<SQSBatchResponse> {
    const records = event.Records ?? [];
    const outcomes = new Array<Outcome>(records.length);
    // A small pool: at most `parallelism` records in flight, taken in order.
    let next = 0;
    const lane = async () => {
      while (next < records.length) {
        const i = next++;
        outcomes[i] = await processRecord(records[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelism, records.length) }, lane));

    const batchItemFailures: SQSBatchItemFailure[] = [];
    const summary = { records: records.length, written: 0, duplicates: 0, ignored: 0, invalid: 0, failed: 0 };
    outcomes.forEach((o, i) => {
      if (o === 'failed' || o === 'invalid') batchItemFailures.push({ itemIdentifier: records[i]!.messageId });
      summary[o === 'invalid' ? 'invalid' : o] += 1;
    });
    summary.failed += summary.invalid;
    observer.batch(summary);
    if (records.length > 0 && batchItemFailures.length === records.length) throw new BatchFailedError(records.length);
    return { batchItemFailures };
  };
}
