import type { SQSRecord } from 'aws-lambda';

/**
 * One unit of work, whatever the front it came from. `id` is the idempotency key: it is derived
 * from the content of the message (never from the SQS message id, which differs between two sends
 * of the same thing), so a redelivered or duplicated message maps to the same id.
 */
export interface WorkItem {
  /** Stable idempotency key, e.g. `http:<client key>`, `s3:<bucket>/<key>@<sequencer>`, `eventbridge:<event id>`. */
  readonly id: string;
  /** Where it came from: `http`, `s3`, `eventbridge`. */
  readonly source: string;
  /** What it is, e.g. `order.created`, `s3:ObjectCreated:Put`, the EventBridge detail-type. */
  readonly type: string;
  /** When it happened at the source (ISO 8601). */
  readonly occurredAt: string;
  /** The validated content (never logged). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** What the trigger's parser makes of one SQS record. */
export type ParseResult =
  | { readonly kind: 'items'; readonly items: readonly WorkItem[] }
  /** Acknowledged without work, e.g. the s3:TestEvent S3 sends when notifications are configured. */
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Breaks the contract; `issues` name paths and rules, never values. */
  | { readonly kind: 'invalid'; readonly issues: readonly string[] };

/** The port filled by the trigger layer (src/adapters/source.ts). */
export type RecordParser = (record: SQSRecord) => ParseResult;

/**
 * The port filled by the store layer (src/adapters/store.ts). `put` must be idempotent on
 * `item.id`: the first write creates, any later write with the same id changes nothing and
 * answers `duplicate`. It throws when the store cannot be reached (the record is then retried).
 */
export interface WorkStore {
  put(item: WorkItem): Promise<'created' | 'duplicate'>;
}
