import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDbWorkStore, createDynamoDbClient } from '../../src/adapters/store.js';

/** The DynamoDB store for the integration tests: a uniquely named table on AWS_ENDPOINT_URL, deleted afterwards. */
export const integration = {
  missing: (): string | undefined => (process.env.AWS_ENDPOINT_URL ? undefined : 'AWS_ENDPOINT_URL (a DynamoDB API such as moto_server)'),
  async setup() {
    const admin = new DynamoDBClient({});
    const tableName = `it-work-items-${randomUUID().slice(0, 8)}`;
    await admin.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists({ client: admin, maxWaitTime: 30 }, { TableName: tableName });
    const client = createDynamoDbClient();
    return {
      store: new DynamoDbWorkStore(client, tableName),
      /** Every stored id (one per item: the key is the id). */
      async ids(): Promise<string[]> {
        const ids: string[] = [];
        let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
        do {
          const page = await admin.send(new ScanCommand({ TableName: tableName, ProjectionExpression: 'id', ExclusiveStartKey: start }));
          for (const item of page.Items ?? []) ids.push(item.id!.S!);
          start = page.LastEvaluatedKey;
        } while (start);
        return ids;
      },
      async close() {
        await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
        client.destroy();
        admin.destroy();
      },
    };
  },
};
