import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod/mini';
import type { WorkItem, WorkStore } from '../core/work.js';

/**
 * DynamoDB adapter: one item per work item, partition key `id`. The write is a conditional
 * PutItem (`attribute_not_exists(id)`): the first write creates the item, a duplicate fails the
 * condition and changes nothing. One request per item, no read.
 *
 *   id          S  the idempotency key (partition key)
 *   source      S  http | s3 | eventbridge
 *   itemType    S  what it is
 *   occurredAt  S  ISO 8601, at the source
 *   storedAt    S  ISO 8601, when the worker wrote it
 *   data        M  the validated content
 */
export class DynamoDbWorkStore implements WorkStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async put(item: WorkItem): Promise<'created' | 'duplicate'> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(
            { id: item.id, source: item.source, itemType: item.type, occurredAt: item.occurredAt, storedAt: new Date().toISOString(), data: item.data },
            { removeUndefinedValues: true, convertClassInstanceToMap: false },
          ),
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }
}

/** Client options: an outage must cost far less than the function timeout (the record is retried anyway). */
export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 3, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });
}

const envSchema = z.object({ TABLE_NAME: z.string().check(z.minLength(1, 'TABLE_NAME is required')) });

/** The store the worker uses, from the environment (validated at cold start). */
export function createStore(_options: { maxConcurrency: number }): WorkStore {
  const env = envSchema.safeParse(process.env);
  if (!env.success) throw new Error(`Invalid configuration: ${env.error.issues.map((i) => i.message).join('; ')}`);
  return new DynamoDbWorkStore(createDynamoDbClient(), env.data.TABLE_NAME);
}
