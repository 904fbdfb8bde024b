import { SECRET, type SampleMessages } from './sample-messages.js';

const BUCKET = 'my-service-ingest-5c7d2a0e';
const sequencer = (n: number) => (0x0a1b2c3d4e5f60 + n).toString(16).toUpperCase();

/** Queue messages as the S3 front produces them: object-created event notifications. */
export const messages: SampleMessages = {
  valid: (n) =>
    JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: '2024-03-12T10:05:00.000Z',
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
          requestParameters: { sourceIPAddress: '203.0.113.10' },
          responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'object-created',
            bucket: { name: BUCKET, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${BUCKET}` },
            object: { key: `incoming/order+${n}.json`, size: 100 + n, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: sequencer(n) },
          },
        },
      ],
    }),
  idOf: (n) => `s3:${BUCKET}/incoming/order ${n}.json@${sequencer(n)}`,
  poison: (n) =>
    [
      `not json #${n} ${SECRET}`,
      JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2024-03-12T10:05:00.000Z', s3: { bucket: { name: BUCKET }, object: { key: `${SECRET}-${n}` } } }] }),
      JSON.stringify({ Records: [], note: `${SECRET}-${n}` }),
      JSON.stringify({ Records: [{ eventSource: 'aws:sqs', eventName: 'ObjectCreated:Put', eventTime: '2024-03-12T10:05:00Z', s3: { bucket: { name: BUCKET }, object: { key: SECRET, sequencer: `${n}` } } }] }),
      JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', eventTime: '2024-03-12T10:05:00Z', s3: { bucket: { name: BUCKET }, object: { key: `${SECRET}-${n}`, sequencer: '0A' } } }] }),
    ][n % 5]!,
};
