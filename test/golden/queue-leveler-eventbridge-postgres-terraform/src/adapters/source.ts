import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import type { ParseResult, RecordParser } from '../core/work.js';

/**
 * The EventBridge front: a rule sends matching events to the queue; the message body is the event
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
 *
 * Idempotency key: `eventbridge:<event id>`. EventBridge delivers at least once, and a redelivery
 * keeps the event id; a producer that retries PutEvents gets a new id, so producers that need
 * end-to-end deduplication put their own key in `detail` (then use it here instead).
 */
const eventSchema = z.object({
  version: z.string(),
  id: z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/, 'id must be 1-128 characters of A-Z a-z 0-9 -')),
  'detail-type': z.string().check(z.minLength(1), z.maxLength(128)),
  source: z.string().check(z.minLength(1), z.maxLength(256)),
  account: z.string().check(z.regex(/^\d{12}$/, 'account must be 12 digits')),
  time: z.iso.datetime({ offset: true }),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});

/** Paths and rules, never values. */
const describe = (issues: readonly z.core.$ZodIssue[]) => issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);

export const parseRecord: RecordParser = (record: SQSRecord): ParseResult => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { kind: 'invalid', issues: ['body is not valid JSON'] };
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', issues: describe(parsed.error.issues) };
  const e = parsed.data;
  return {
    kind: 'items',
    items: [
      {
        id: `eventbridge:${e.id}`,
        source: 'eventbridge',
        type: e['detail-type'],
        occurredAt: new Date(e.time).toISOString(),
        data: { source: e.source, account: e.account, region: e.region, resources: e.resources, detail: e.detail },
      },
    ],
  };
};
