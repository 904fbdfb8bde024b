import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import type { ParseResult, RecordParser, WorkItem } from '../core/work.js';

/**
 * The S3 front: the bucket sends an event notification to the queue for every object created.
 * The message body is the S3 event (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 *
 * Idempotency key: `s3:<bucket>/<key>@<sequencer>`. S3 delivers notifications at least once; a
 * duplicate carries the same sequencer, while a new write of the same key gets a greater one (so
 * it is new work). The SQS message id would differ between two deliveries, so it is not used.
 */
const objectSchema = z.object({
  key: z.string().check(z.minLength(1)),
  size: z.optional(z.number().check(z.gte(0))),
  eTag: z.optional(z.string()),
  versionId: z.optional(z.string()),
  sequencer: z.string().check(z.regex(/^[0-9A-Fa-f]{1,64}$/, 'sequencer must be hexadecimal')),
});

const recordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().check(z.startsWith('ObjectCreated:', 'only ObjectCreated events are expected')),
  eventTime: z.iso.datetime({ offset: true }),
  s3: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(3)) }),
    object: objectSchema,
  }),
});

const notificationSchema = z.object({ Records: z.array(recordSchema).check(z.minLength(1, 'Records is empty')) });
const testEventSchema = z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') });

/** Object keys arrive URL-encoded, spaces as '+'. */
export const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

/** Paths and rules, never values. */
const describe = (issues: readonly z.core.$ZodIssue[]) => issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);

export const parseRecord: RecordParser = (record: SQSRecord): ParseResult => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { kind: 'invalid', issues: ['body is not valid JSON'] };
  }
  // S3 sends one test event when the notification configuration is created: nothing to do.
  if (testEventSchema.safeParse(json).success) return { kind: 'ignore', reason: 's3:TestEvent' };
  const parsed = notificationSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', issues: describe(parsed.error.issues) };
  const items: WorkItem[] = [];
  for (const r of parsed.data.Records) {
    let key: string;
    try {
      key = decodeKey(r.s3.object.key);
    } catch {
      return { kind: 'invalid', issues: ['s3.object.key: not a valid URL-encoded key'] };
    }
    const bucket = r.s3.bucket.name;
    items.push({
      id: `s3:${bucket}/${key}@${r.s3.object.sequencer.toUpperCase()}`,
      source: 's3',
      type: `s3:${r.eventName}`,
      occurredAt: new Date(r.eventTime).toISOString(),
      data: {
        bucket,
        key,
        ...(r.s3.object.size !== undefined ? { size: r.s3.object.size } : {}),
        ...(r.s3.object.eTag ? { eTag: r.s3.object.eTag } : {}),
        ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
      },
    });
  }
  return { kind: 'items', items };
};
