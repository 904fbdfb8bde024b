// Benchmark driver for a generated queue-leveler project (copied to its root as bench-driver.ts and
// run there by bench/run.mjs). Measures records/s drained into the real store at a given cap, and the most concurrent
// store operations seen. Progress goes to stderr; stdout gets exactly one JSON line at the end.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SQSRecord } from 'aws-lambda';
import { parseRecord } from './src/adapters/source.js';
import { loadConfig } from './src/core/config.js';
import { createWorker } from './src/core/worker.js';
import { integration } from './test/support/integration-store.js';
import { messages } from './test/support/messages.js';
import { MeteredStore } from './test/support/metered-store.js';
import { recordingObserver } from './test/support/recording-observer.js';
import { createQueues } from './test/support/sqs-driver.js';

const log = (msg: string) => process.stderr.write(`[queue-leveler] ${msg}\n`);
const quick = process.env.BENCH_QUICK === '1';
const { store: storeKind, trigger } = JSON.parse(readFileSync('.serverless-pattern.json', 'utf8')).answers as { store: string; trigger: string };
const parallelism = loadConfig().parallelism; // WORKER_PARALLELISM, as the handler reads it (default 2)
const CAPS = [1, 2, 5]; // the event source mapping's MaximumConcurrency
// PostgreSQL drains 2,000 records in well under a second (too short to time on a shared machine), so it
// gets 5x more; DynamoDB on moto runs at a few hundred records/s.
const RECORDS = (quick ? 200 : 2_000) * (storeKind === 'postgres' ? 5 : 1);
const E2E_CAP = 2;
const E2E_RECORDS = quick ? 50 : 500;

/** An SQS record as the event source mapping delivers it (fields the parsers may read). */
const sqsRecord = (body: string): SQSRecord => ({
  messageId: randomUUID(), receiptHandle: 'bench', body, md5OfBody: '', messageAttributes: {}, eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:bench', awsRegion: process.env.AWS_REGION ?? 'us-east-1',
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
});
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const ms = (x: number) => Number(x.toFixed(1));

/** Fresh store (table / migrated schema), the worker wired as the handler wires it but metered and quiet. */
async function setup() {
  const env = await integration.setup();
  const metered = new MeteredStore(env.store);
  const rec = recordingObserver(); // the real observer logs to stdout, which is reserved for the result
  const work = createWorker({ parse: parseRecord, store: metered, parallelism, observer: rec.observer });
  /** Every record stored exactly once, nothing failed: otherwise the figure means nothing. */
  const check = async (count: number, failures: number) => {
    const ids = (await env.ids()).sort();
    const want = Array.from({ length: count }, (_, n) => messages.idOf(n)).sort();
    const errors = rec.of('storeError').length + rec.of('invalid').length + failures;
    if (errors > 0 || metered.created !== count || ids.length !== count || ids.some((id, i) => id !== want[i]))
      throw new Error(`check failed: ${ids.length} stored, ${metered.created} created, ${errors} failures, ${count} expected`);
  };
  return { env, metered, work, check };
}

const rows: Record<string, number | string>[] = [];
const targets: { target: string; met: boolean; value: string }[] = [];
const record = (label: string, cap: number, count: number, seconds: number, maxOps: number, batchMs: number[]) => {
  rows.push({ label, store: storeKind, front: trigger, cap, parallelism, records: count, 'records/s': Math.round(count / seconds),
    'max concurrent ops': maxOps, 'p50 batch ms': ms(pct(batchMs, 0.5)), 'p95 batch ms': ms(pct(batchMs, 0.95)) });
  targets.push({ target: `max concurrent store operations ≤ cap × parallelism (${label}, ${storeKind}, ${cap} × ${parallelism})`, met: maxOps <= cap * parallelism, value: String(maxOps) });
  log(`${label} cap ${cap}: ${count} records in ${seconds.toFixed(2)} s, max ${maxOps} concurrent store ops`);
};

/** `cap` simulated invocations pull batches of 10 off a shared list until it is empty. */
async function drain(cap: number) {
  const { env, metered, work, check } = await setup();
  try {
    const bodies = Array.from({ length: RECORDS }, (_, n) => messages.valid(n));
    const batches: SQSRecord[][] = [];
    for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10).map(sqsRecord));
    // Warm-up (not timed): one batch per invocation opens the connections a warm Lambda already holds.
    let next = 0, failures = 0;
    const batchMs: number[] = [];
    const invocation = async (until: number, timed: boolean) => {
      while (next < until) {
        const batch = batches[next++]!;
        const t = performance.now();
        failures += (await work({ Records: batch })).batchItemFailures.length;
        if (timed) batchMs.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: cap }, () => invocation(Math.min(cap, batches.length), false)));
    const t0 = performance.now();
    const timedRecords = (batches.length - next) * 10;
    await Promise.all(Array.from({ length: cap }, () => invocation(batches.length, true)));
    const seconds = (performance.now() - t0) / 1000;
    await check(RECORDS, failures);
    record('worker → store', cap, timedRecords, seconds, metered.maxInFlight, batchMs);
  } finally {
    await env.close();
  }
}

/** The same worker behind the project's SQS stand-in for the event source mapping, on moto. */
async function endToEnd(cap: number) {
  const { env, metered, work, check } = await setup();
  const queues = await createQueues({ visibilityTimeoutSeconds: 120, maxReceiveCount: 5 });
  try {
    await queues.send(Array.from({ length: E2E_RECORDS }, (_, n) => messages.valid(n)));
    const batchMs: number[] = [];
    let failures = 0;
    const timedWork: typeof work = async (e) => {
      const t = performance.now();
      const r = await work(e);
      failures += r.batchItemFailures.length;
      batchMs.push(performance.now() - t);
      return r;
    };
    const t0 = performance.now();
    const stats = await queues.drive(timedWork, { maxConcurrency: cap, batchSize: 10, deadlineMs: 300_000,
      done: async () => metered.created >= E2E_RECORDS && (await queues.depth(queues.queue)) === 0 });
    const seconds = (performance.now() - t0) / 1000;
    await check(E2E_RECORDS, failures + stats.threw);
    record('SQS (moto) → worker → store', cap, E2E_RECORDS, seconds, metered.maxInFlight, batchMs);
  } finally {
    await queues.destroy();
    await env.close();
  }
}

try {
  log(`${storeKind} store, ${trigger} front, parallelism ${parallelism}, ${RECORDS} records per cap${quick ? ' (quick)' : ''}`);
  for (const cap of CAPS) await drain(cap);
  await endToEnd(E2E_CAP);
  const notes = [
    `worker → store: ${RECORDS} distinct valid ${trigger} messages (test/support/messages.ts) as SQS records in batches of 10, driven by \`cap\` concurrent simulated invocations calling createWorker() as the handler does (WORKER_PARALLELISM ${parallelism}); real ${storeKind} store wrapped in MeteredStore; fresh table (DynamoDB) or database (PostgreSQL) per row; first batch per invocation is an untimed warm-up; wall clock.`,
    `Every row checked: each record stored exactly once (ids listed from the store), no batch item failures.`,
    `SQS row: send first (untimed), then the project's event-source stand-in (test/support/sqs-driver.ts: receive, invoke, delete) until the queue is empty; it serialises SQS calls because moto is not safe under concurrent receives, so this row is bound by moto, not the store.`,
  ];
  process.stdout.write(`${JSON.stringify({ name: 'queue-leveler', rows, targets, notes })}\n`);
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
}
