import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import type { ParseResult, RecordParser } from '../core/work.js';

/**
 * The HTTP front: API Gateway validated the request body against the `WorkRequestModel` JSON schema
 * (template.yaml) and put it in the queue as it is (re-serialised). The same contract is checked
 * again here (a message may also be sent to the queue directly); test/unit/http-front.test.ts keeps
 * the two in step.
 *
 *   { "id": "order-42", "type": "order.created", "occurredAt": "2024-03-12T10:05:00Z", "payload": { "sku": "A-1", "qty": 2 } }
 *
 * `id` is the client's idempotency key: the same request sent twice (a client retry after a
 * timeout) carries the same id and is stored once. `occurredAt` is optional (default: when SQS
 * received the message).
 */
const KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const TYPE = /^[A-Za-z0-9._:-]{1,64}$/;
const FIELD = /^[A-Za-z0-9_.-]{1,64}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const scalar = z.union([z.string().check(z.maxLength(1024)), z.number(), z.boolean(), z.null()]);

export const requestSchema = z.strictObject({
  id: z.string().check(z.regex(KEY, 'id must be 1-128 characters of A-Z a-z 0-9 . _ : -')),
  type: z.string().check(z.regex(TYPE, 'type must be 1-64 characters of A-Z a-z 0-9 . _ : -')),
  occurredAt: z.optional(
    z.string().check(z.regex(DATE_TIME, 'occurredAt must be an ISO 8601 date-time with a zone'), z.refine((s) => !Number.isNaN(Date.parse(s)), 'occurredAt is not a real date')),
  ),
  payload: z.record(z.string().check(z.regex(FIELD, 'payload keys must be 1-64 characters of A-Z a-z 0-9 _ . -')), scalar).check(
    z.refine((p) => Object.keys(p).length <= 50, 'payload has more than 50 fields'),
  ),
});

/** Paths and rules, never values. */
const describe = (issues: readonly z.core.$ZodIssue[]) => issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`);

export const parseRecord: RecordParser = (record: SQSRecord): ParseResult => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { kind: 'invalid', issues: ['body is not valid JSON'] };
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', issues: describe(parsed.error.issues) };
  const r = parsed.data;
  const sent = Number(record.attributes?.SentTimestamp);
  return {
    kind: 'items',
    items: [
      {
        id: `http:${r.id}`,
        source: 'http',
        type: r.type,
        occurredAt: r.occurredAt ? new Date(r.occurredAt).toISOString() : new Date(Number.isFinite(sent) && sent > 0 ? sent : Date.now()).toISOString(),
        data: r.payload,
      },
    ],
  };
};
