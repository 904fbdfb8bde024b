import { SECRET, type SampleMessages } from './sample-messages.js';

const eventId = (n: number) => `6a7e8feb-b491-4cf7-a9f1-${String(n).padStart(12, '0')}`;

/** Queue messages as the EventBridge front produces them: the matched events. */
export const messages: SampleMessages = {
  valid: (n) =>
    JSON.stringify({
      version: '0',
      id: eventId(n),
      'detail-type': 'OrderPlaced',
      source: 'com.example.orders',
      account: '123456789012',
      time: '2024-03-12T10:05:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { orderId: `order-${n}`, total: n * 10 },
    }),
  idOf: (n) => `eventbridge:${eventId(n)}`,
  poison: (n) =>
    [
      `not json #${n} ${SECRET}`,
      JSON.stringify({ version: '0', 'detail-type': 'OrderPlaced', source: 'com.example.orders', detail: { token: `${SECRET}-${n}` } }),
      JSON.stringify({ version: '0', id: `bad id ${n}`, 'detail-type': 'OrderPlaced', source: 'com.example.orders', account: '123456789012', time: '2024-03-12T10:05:00Z', region: 'us-east-1', resources: [], detail: { token: SECRET } }),
      JSON.stringify({ version: '0', id: `e-${n}`, 'detail-type': 'OrderPlaced', source: 'com.example.orders', account: '123456789012', time: 'yesterday', region: 'us-east-1', resources: [], detail: { token: SECRET } }),
      JSON.stringify({ version: '0', id: `e-${n}`, 'detail-type': 'OrderPlaced', source: 'com.example.orders', account: '123456789012', time: '2024-03-12T10:05:00Z', region: 'us-east-1', resources: [], detail: `${SECRET}` }),
    ][n % 5]!,
};
