import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/adapters/source.js';

/** Event shapes: what an EventBridge rule really puts in the queue (events/), as the worker receives it. */
const read = (name: string) => readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8');
const event = JSON.parse(read('eventbridge-event.json'));
const batch = JSON.parse(read('sqs-batch.json')) as SQSEvent;
const record = (body: unknown, messageId = 'm-1'): SQSRecord => ({ ...batch.Records[0]!, messageId, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('EventBridge front: events delivered by the rule', () => {
  it('turns a real event into one work item keyed by the event id', () => {
    expect(parseRecord(record(event))).toEqual({
      kind: 'items',
      items: [
        {
          id: 'eventbridge:6a7e8feb-b491-4cf7-a9f1-bf3703467718',
          source: 'eventbridge',
          type: 'OrderPlaced',
          occurredAt: '2024-03-12T10:05:00.000Z',
          data: { source: 'com.example.orders', account: '123456789012', region: 'us-east-1', resources: event.resources, detail: event.detail },
        },
      ],
    });
  });

  it('a redelivery (new SQS message id) maps to the same id', () => {
    expect(parseRecord(record(event, 'first'))).toEqual(parseRecord(record(event, 'second')));
  });

  it('accepts every record of the sample SQS batch (events/sqs-batch.json)', () => {
    expect(batch.Records.map((r) => parseRecord(r).kind)).toEqual(['items']);
  });

  it.each([
    ['not JSON', 'nope'],
    ['no id', { ...event, id: undefined }],
    ['an id with spaces', { ...event, id: 'a b' }],
    ['no detail-type', { ...event, 'detail-type': undefined }],
    ['a bad time', { ...event, time: 'yesterday' }],
    ['a string detail', { ...event, detail: 'x' }],
    ['an EventBridge Scheduler payload (not an event)', { orderId: 'order-1' }],
  ])('rejects %s', (_name, body) => {
    expect(parseRecord(record(body)).kind).toBe('invalid');
  });
});
