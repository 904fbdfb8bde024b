import { SECRET, type SampleMessages } from './sample-messages.js';

/** Queue messages as the HTTP front produces them: the validated request body. */
export const messages: SampleMessages = {
  valid: (n) => JSON.stringify({ id: `order-${n}`, type: 'order.created', occurredAt: '2024-03-12T10:05:00Z', payload: { sku: `A-${n}`, qty: (n % 5) + 1, gift: n % 2 === 0 } }),
  idOf: (n) => `http:order-${n}`,
  poison: (n) =>
    [
      `not json #${n} ${SECRET}`,
      JSON.stringify({ id: `bad-${n}`, type: 'order.created', payload: { note: SECRET }, extra: true }),
      JSON.stringify({ id: `bad ${n} ${SECRET}`, type: 'order.created', payload: {} }),
      JSON.stringify({ type: 'order.created', payload: { token: SECRET } }),
      JSON.stringify({ id: `bad-${n}`, type: 'order.created', payload: { nested: { token: SECRET } } }),
    ][n % 5]!,
};
