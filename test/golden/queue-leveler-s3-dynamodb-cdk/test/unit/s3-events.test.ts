import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/adapters/source.js';

/** Event shapes: what S3 really puts in the queue (events/), as the worker receives it. */
const read = (name: string) => readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8');
const created = JSON.parse(read('s3-object-created.json'));
const batch = JSON.parse(read('sqs-batch.json')) as SQSEvent;
const record = (body: unknown, messageId = 'm-1'): SQSRecord => ({ ...batch.Records[0]!, messageId, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('S3 front: object-created notifications', () => {
  it('turns a real notification into one work item keyed by bucket, decoded key and sequencer', () => {
    const parsed = parseRecord(record(created));
    expect(parsed).toEqual({
      kind: 'items',
      items: [
        {
          id: 's3:my-service-ingest-5c7d2a0e/incoming/2024-03-12/order 42(copy).json@0065F029F41A2B3C4D',
          source: 's3',
          type: 's3:ObjectCreated:Put',
          occurredAt: '2024-03-12T10:05:00.123Z',
          data: { bucket: 'my-service-ingest-5c7d2a0e', key: 'incoming/2024-03-12/order 42(copy).json', size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko' },
        },
      ],
    });
  });

  it('a duplicate delivery (new SQS message id) maps to the same id; a new write of the key does not', () => {
    const a = parseRecord(record(created, 'first'));
    const b = parseRecord(record(created, 'second'));
    expect(a).toEqual(b);
    const rewritten = structuredClone(created);
    rewritten.Records[0].s3.object.sequencer = '0065F029F41A2B3C99';
    const c = parseRecord(record(rewritten));
    expect(c.kind === 'items' && a.kind === 'items' && c.items[0]!.id !== a.items[0]!.id).toBe(true);
  });

  it('acknowledges the s3:TestEvent sent when the notification is configured', () => {
    expect(parseRecord(record(read('s3-test-event.json')))).toEqual({ kind: 'ignore', reason: 's3:TestEvent' });
  });

  it('accepts every record of the sample SQS batch (events/sqs-batch.json)', () => {
    expect(batch.Records.map((r) => parseRecord(r).kind)).toEqual(['items', 'ignore']);
  });

  it('keeps every record of a notification that carries several', () => {
    const two = structuredClone(created);
    two.Records.push({ ...structuredClone(created.Records[0]), s3: { ...created.Records[0].s3, object: { key: 'b.json', sequencer: '0065F029F41A2B3C4E' } } });
    const parsed = parseRecord(record(two));
    expect(parsed.kind === 'items' && parsed.items.map((i) => i.data.key)).toEqual(['incoming/2024-03-12/order 42(copy).json', 'b.json']);
  });

  it.each([
    ['not JSON', 'nope'],
    ['no Records', { foo: 1 }],
    ['empty Records', { Records: [] }],
    ['not an S3 record', { Records: [{ ...created.Records[0], eventSource: 'aws:sqs' }] }],
    ['a delete event', { Records: [{ ...created.Records[0], eventName: 'ObjectRemoved:Delete' }] }],
    ['no sequencer', { Records: [{ ...created.Records[0], s3: { ...created.Records[0].s3, object: { key: 'a' } } }] }],
    ['a bad key encoding', { Records: [{ ...created.Records[0], s3: { ...created.Records[0].s3, object: { key: '%E0%A4%A', sequencer: '0A' } } }] }],
  ])('rejects %s', (_name, body) => {
    expect(parseRecord(record(body)).kind).toBe('invalid');
  });
});
