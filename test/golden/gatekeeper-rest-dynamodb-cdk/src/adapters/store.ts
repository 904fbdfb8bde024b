import { BatchGetItemCommand, DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  MAX_GROUPS,
  keys,
  type GrantTarget,
  type PermissionAdmin,
  type PermissionLookup,
  type PermissionStore,
  type Principal,
} from '../core/store.js';

/**
 * DynamoDB adapter: one item per grant or revocation (partition key `pk`, no sort key).
 *
 *   pk           S   grant#sub#<sub> | grant#group#<group> | revoked#jti#<jti> | revoked#sub#<sub>
 *   permissions  SS  granted permissions (grant items only)
 *   expiresAt    N   epoch SECONDS; the table's TTL attribute. Optional on grants (no expiry).
 *
 * One decision = ONE strongly consistent BatchGetItem of at most 2 + 1 + MAX_GROUPS keys, so a
 * revocation takes effect on the next uncached request. The authorizer's IAM policy allows
 * dynamodb:BatchGetItem on this table only; the write methods are for operators and tests.
 */

export function createDynamoDbClient(): DynamoDBClient {
  // A DynamoDB outage must cost far less than the authorizer's timeout: deny fast instead.
  return new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 } });
}

const PROJECTION = '#pk, #permissions, #expiresAt';
const NAMES = { '#pk': 'pk', '#permissions': 'permissions', '#expiresAt': 'expiresAt' };

export class DynamoDbPermissionStore implements PermissionStore, PermissionAdmin {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async lookup(principal: Principal, nowSeconds: number): Promise<PermissionLookup> {
    if (principal.groups.length > MAX_GROUPS) throw new Error(`more than ${MAX_GROUPS} groups`);
    const wanted = new Set([
      keys.revokedSubject(principal.sub),
      ...(principal.jti ? [keys.revokedToken(principal.jti)] : []),
      keys.grant({ sub: principal.sub }),
      ...principal.groups.map((group) => keys.grant({ group })),
    ]);
    const items = await this.#batchGet([...wanted]);
    const live = new Map<string, Record<string, AttributeValue>>();
    for (const item of items) {
      const expiresAt = item.expiresAt?.N === undefined ? undefined : Number(item.expiresAt.N);
      // TTL deletion is lazy (days): an expired item still present is treated as absent.
      if (item.pk?.S !== undefined && (expiresAt === undefined || expiresAt > nowSeconds)) live.set(item.pk.S, item);
    }
    if (principal.jti && live.has(keys.revokedToken(principal.jti))) return { permissions: new Set(), revoked: 'token' };
    if (live.has(keys.revokedSubject(principal.sub))) return { permissions: new Set(), revoked: 'subject' };
    const permissions = new Set<string>();
    for (const [pk, item] of live) {
      if (!pk.startsWith('grant#')) continue;
      for (const p of item.permissions?.SS ?? []) permissions.add(p);
    }
    return { permissions, revoked: false };
  }

  /** BatchGetItem with one retry of unprocessed keys; anything still unprocessed is an error (→ deny). */
  async #batchGet(pks: string[]): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let pending: Record<string, AttributeValue>[] = pks.map((pk) => ({ pk: { S: pk } }));
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const out = await this.#client.send(
        new BatchGetItemCommand({
          RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true, ProjectionExpression: PROJECTION, ExpressionAttributeNames: NAMES } },
        }),
      );
      items.push(...(out.Responses?.[this.#table] ?? []));
      pending = out.UnprocessedKeys?.[this.#table]?.Keys ?? [];
    }
    if (pending.length > 0) throw new Error(`DynamoDB left ${pending.length} keys unprocessed`);
    return items;
  }

  async grant(target: GrantTarget, permissions: readonly string[], expiresAt?: number): Promise<void> {
    if (permissions.length === 0) throw new Error('a grant needs at least one permission');
    await this.#put({ pk: keys.grant(target), permissions: new Set(permissions), ...(expiresAt ? { expiresAt } : {}) });
  }

  async revokeToken(jti: string, expiresAt: number): Promise<void> {
    await this.#put({ pk: keys.revokedToken(jti), expiresAt });
  }

  async revokeSubject(sub: string, expiresAt: number): Promise<void> {
    await this.#put({ pk: keys.revokedSubject(sub), expiresAt });
  }

  async #put(item: Record<string, unknown>): Promise<void> {
    await this.#client.send(new PutItemCommand({ TableName: this.#table, Item: marshall(item) }));
  }
}

/** Factory used by the authorizer: reads TABLE_NAME; the client lives for the whole container. */
export function createPermissionStore(): DynamoDbPermissionStore {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME must be set to the DynamoDB table holding grants and revocations');
  return new DynamoDbPermissionStore({ tableName, client: createDynamoDbClient() });
}
