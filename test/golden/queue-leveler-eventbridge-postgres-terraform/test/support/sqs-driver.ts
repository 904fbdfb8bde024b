import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type CreateQueueCommandOutput,
  type GetQueueAttributesCommandOutput,
  type Message,
  type ReceiveMessageCommandOutput,
  type SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * A queue with a dead-letter queue on a real SQS API (moto_server), and an in-process stand-in for
 * the Lambda event source mapping: `maxConcurrency` pollers, each receiving a batch, invoking the
 * handler, deleting what succeeded. Failed records are left alone and come back after the
 * visibility timeout; after `maxReceiveCount` receives SQS's redrive policy moves them to the DLQ.
 */
export async function createQueues(opts: { visibilityTimeoutSeconds: number; maxReceiveCount: number }) {
  const client = new SQSClient({});
  // moto_server is not safe under concurrent ReceiveMessage calls on a queue with a redrive policy
  // (it can move a message to the DLQ twice and fail the request), so SQS calls go out one at a time.
  // The pollers still run the handler concurrently: that is where the store's load comes from.
  let line: Promise<unknown> = Promise.resolve();
  const sqs = {
    send<T = unknown>(command: object): Promise<T> {
      const call = line.then(() => (client.send as (c: object) => Promise<unknown>).call(client, command) as Promise<T>);
      line = call.catch(() => undefined);
      return call;
    },
    destroy: () => client.destroy(),
  };
  const suffix = randomUUID().slice(0, 8);
  const dlq = (await sqs.send<CreateQueueCommandOutput>(new CreateQueueCommand({ QueueName: `it-dlq-${suffix}`, Attributes: { MessageRetentionPeriod: '1209600' } }))).QueueUrl!;
  const dlqArn = (await sqs.send<GetQueueAttributesCommandOutput>(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const queue = (
    await sqs.send<CreateQueueCommandOutput>(
      new CreateQueueCommand({
        QueueName: `it-work-${suffix}`,
        Attributes: {
          VisibilityTimeout: String(opts.visibilityTimeoutSeconds),
          MessageRetentionPeriod: '345600',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: opts.maxReceiveCount }),
        },
      }),
    )
  ).QueueUrl!;
  const queueArn = (await sqs.send<GetQueueAttributesCommandOutput>(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

  async function send(bodies: readonly string[]) {
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody }));
      const r = await sqs.send<SendMessageBatchCommandOutput>(new SendMessageBatchCommand({ QueueUrl: queue, Entries: entries }));
      if (r.Failed?.length) throw new Error(`send failed: ${JSON.stringify(r.Failed)}`);
    }
  }

  async function depth(url: string) {
    const a = (await sqs.send<GetQueueAttributesCommandOutput>(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  /** Reads (and deletes) everything in the DLQ. */
  async function drainDlq(): Promise<string[]> {
    const bodies: string[] = [];
    for (let empty = 0; empty < 3; ) {
      const r = await sqs.send<ReceiveMessageCommandOutput>(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
      const msgs = r.Messages ?? [];
      if (msgs.length === 0) {
        empty += 1;
        continue;
      }
      bodies.push(...msgs.map((m) => m.Body ?? ''));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlq, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    return bodies;
  }

  const toEvent = (msgs: Message[]): SQSEvent => ({
    Records: msgs.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    })),
  });

  /**
   * Runs `maxConcurrency` pollers until `done()` says so (checked between polls) or the deadline.
   * Returns the number of invocations and of invocations that threw (whole-batch failures).
   */
  async function drive(handler: (e: SQSEvent) => Promise<SQSBatchResponse>, o: { maxConcurrency: number; batchSize: number; done: () => Promise<boolean>; deadlineMs: number }) {
    const stats = { invocations: 0, threw: 0, receives: 0 };
    const deadline = Date.now() + o.deadlineMs;
    let finished = false;
    const watcher = (async () => {
      while (!finished && Date.now() < deadline) {
        if (await o.done()) finished = true;
        else await new Promise((r) => setTimeout(r, 200));
      }
      finished = true;
    })();
    const poller = async () => {
      while (!finished) {
        const r = await sqs.send<ReceiveMessageCommandOutput>(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: o.batchSize, MessageSystemAttributeNames: ['All'] }));
        const msgs = r.Messages ?? [];
        stats.receives += msgs.length;
        if (msgs.length === 0) {
          await new Promise((res) => setTimeout(res, 100));
          continue;
        }
        stats.invocations += 1;
        let failed: Set<string>;
        try {
          const response = await handler(toEvent(msgs));
          failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        } catch {
          stats.threw += 1;
          continue; // the whole batch comes back after the visibility timeout
        }
        const done = msgs.filter((m) => !failed.has(m.MessageId!));
        if (done.length > 0) {
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queue, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        }
      }
    };
    await Promise.all([watcher, ...Array.from({ length: o.maxConcurrency }, poller)]);
    return stats;
  }

  async function destroy() {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue })).catch(() => {});
    await sqs.send(new DeleteQueueCommand({ QueueUrl: dlq })).catch(() => {});
    sqs.destroy();
  }

  return { queue, dlq, send, depth, drainDlq, drive, destroy };
}
