import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbPermissionStore } from '../../src/adapters/store.js';
import { MAX_GROUPS, keys } from '../../src/core/store.js';

/**
 * Runs the DynamoDB adapter against a real DynamoDB API (moto_server, DynamoDB Local or AWS).
 *   docker compose up -d   # or: moto_server -p 5599
 *   AWS_ENDPOINT_URL=http://127.0.0.1:5599 npm run test:integration
 */
const endpoint = process.env.AWS_ENDPOINT_URL;
if (!endpoint) {
  console.warn(
    '[integration] SKIPPED dynamodb-store: set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:5599 after ' +
      '`docker compose up -d` or `moto_server -p 5599`) to run the DynamoDB adapter tests.',
  );
}

const NOW = 1_800_000_000;

describe.skipIf(!endpoint)('DynamoDB PermissionStore (integration)', () => {
  const tableName = `gatekeeper-it-${randomUUID()}`;
  let client: DynamoDBClient;
  let store: DynamoDbPermissionStore;
  const sub = () => `user-${randomUUID()}`;

  beforeAll(async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    client = new DynamoDBClient({});
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
    store = new DynamoDbPermissionStore({ client, tableName });
  });

  afterAll(async () => {
    await client?.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client?.destroy();
  });

  it('returns nothing for an unknown subject', async () => {
    expect(await store.lookup({ sub: sub(), groups: [], jti: 'j-1' }, NOW)).toEqual({ permissions: new Set(), revoked: false });
  });

  it('merges the grants of the subject and of its groups, ignoring other groups', async () => {
    const s = sub();
    await store.grant({ sub: s }, ['orders:write']);
    await store.grant({ group: `g1-${s}` }, ['admin', 'orders:read']);
    await store.grant({ group: `g2-${s}` }, ['reports:read']);
    const found = await store.lookup({ sub: s, groups: [`g1-${s}`, `unknown-${s}`] }, NOW);
    expect([...found.permissions].sort()).toEqual(['admin', 'orders:read', 'orders:write']);
    expect(found.revoked).toBe(false);
  });

  it('treats expired items as absent even while DynamoDB has not deleted them yet', async () => {
    const s = sub();
    await store.grant({ sub: s }, ['orders:write'], NOW - 1);
    await store.revokeSubject(s, NOW - 1);
    expect(await store.lookup({ sub: s, groups: [] }, NOW)).toEqual({ permissions: new Set(), revoked: false });
    await store.grant({ sub: s }, ['orders:write'], NOW + 60);
    expect((await store.lookup({ sub: s, groups: [] }, NOW)).permissions).toEqual(new Set(['orders:write']));
  });

  it('reports a revoked token id, and only that token', async () => {
    const s = sub();
    await store.revokeToken(`jti-${s}`, NOW + 600);
    expect(await store.lookup({ sub: s, groups: [], jti: `jti-${s}` }, NOW)).toMatchObject({ revoked: 'token' });
    expect(await store.lookup({ sub: s, groups: [], jti: `other-${s}` }, NOW)).toMatchObject({ revoked: false });
    expect(await store.lookup({ sub: s, groups: [], jti: `jti-${s}` }, NOW + 601)).toMatchObject({ revoked: false });
  });

  it('reports a revoked subject whatever the token', async () => {
    const s = sub();
    await store.grant({ sub: s }, ['admin']);
    await store.revokeSubject(s, NOW + 600);
    expect(await store.lookup({ sub: s, groups: [], jti: 'any' }, NOW)).toEqual({ permissions: new Set(), revoked: 'subject' });
  });

  it('writes the documented item layout (TTL attribute expiresAt, permissions as a string set)', async () => {
    const s = sub();
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: keys.grant({ sub: s }) }, permissions: { SS: ['a', 'b'] }, expiresAt: { N: String(NOW + 5) } } }));
    expect((await store.lookup({ sub: s, groups: [] }, NOW)).permissions).toEqual(new Set(['a', 'b']));
  });

  it('looks up the maximum number of groups in one decision and refuses more', async () => {
    const s = sub();
    const groups = Array.from({ length: MAX_GROUPS }, (_, i) => `g${i}-${s}`);
    await store.grant({ group: groups.at(-1)! }, ['last']);
    expect((await store.lookup({ sub: s, groups, jti: 'j' }, NOW)).permissions).toEqual(new Set(['last']));
    await expect(store.lookup({ sub: s, groups: [...groups, 'one-more'] }, NOW)).rejects.toThrow(/groups/);
  });

  it('fails (so the authorizer denies) when the table does not exist', async () => {
    const missing = new DynamoDbPermissionStore({ client, tableName: `missing-${randomUUID()}` });
    await expect(missing.lookup({ sub: sub(), groups: [] }, NOW)).rejects.toThrow();
  });
});
