import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  INITIAL_SNAPSHOT,
  bucketStart,
  oldestCountedBucket,
  type CircuitSnapshot,
  type CircuitState,
  type CircuitStore,
  type RecordFailureResult,
  type StoreOptions,
  type WindowSpec,
} from '../core/store.js';

/**
 * DynamoDB adapter: one item per circuit, every mutation a single conditional UpdateItem.
 *
 * Item layout (partition key `pk`, no sort key):
 *   pk              S  "circuit#https://api.example.com"
 *   circuitState    S  closed | open | half-open
 *   version         N  bumped on every transition (guards closed→open)
 *   openUntil       N  epoch ms, end of the cool-down
 *   probeId         S  current probe (half-open only)
 *   probeLeaseUntil N  epoch ms, the probe's lease end
 *   windowResetAt   N  epoch ms of the last close; older buckets never count
 *   expiresAt       N  epoch SECONDS, the table's TTL attribute, refreshed on every write
 *   f_<bucketStart> N  failure counter per time bucket (bucketStart in epoch ms), via ADD
 */

const BUCKET_PREFIX = 'f_';
const MAX_PRUNE_PER_WRITE = 25; // keeps update expressions small; leftovers go on the next write

/** Client options: a store outage must cost far less than the function timeout. */
export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 },
  });
}

interface Seen {
  buckets: Set<string>;
  windowResetAt: number;
}

export class DynamoDbCircuitStore implements CircuitStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #ttlSeconds: number;
  /** Bucket attributes last seen per circuit, so writes can REMOVE stale ones without a read. */
  readonly #seen = new Map<string, Seen>();

  constructor(options: StoreOptions & { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async get(key: string, nowMs: number): Promise<CircuitSnapshot> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: marshall({ pk: key }), ConsistentRead: true }),
    );
    const item = out.Item ? unmarshall(out.Item) : undefined;
    if (item) this.#remember(key, item);
    return live(item, nowMs) ? toSnapshot(item) : INITIAL_SNAPSHOT;
  }

  async recordFailure(key: string, window: WindowSpec): Promise<RecordFailureResult> {
    const first = await this.#addFailure(key, window);
    if (first.recorded || !first.expired) return first.result;
    // A record that outlived its TTL but is not deleted yet: reset it, then count again.
    await this.#resetExpired(key, first.expiresAt, window.nowMs);
    return (await this.#addFailure(key, window)).result;
  }

  async tryOpen(key: string, expectedVersion: number, openUntil: number, nowMs: number): Promise<boolean> {
    const buckets = [...(this.#seen.get(key)?.buckets ?? [])].slice(0, MAX_PRUNE_PER_WRITE);
    const done = await this.#conditionalUpdate(key, {
      set: { circuitState: 'open', openUntil, expiresAt: this.#expiresAt(nowMs) },
      bumpVersion: true,
      remove: ['probeId', 'probeLeaseUntil', ...buckets],
      condition: '#circuitState = :closed AND #version = :expectedVersion',
      values: { ':closed': 'closed', ':expectedVersion': expectedVersion },
    });
    if (done.ok) this.#forgetBuckets(key, buckets);
    return done.ok;
  }

  async acquireProbe(key: string, probeId: string, leaseUntil: number, nowMs: number) {
    const done = await this.#conditionalUpdate(key, {
      set: { circuitState: 'half-open', probeId, probeLeaseUntil: leaseUntil, expiresAt: this.#expiresAt(nowMs) },
      bumpVersion: true,
      remove: [],
      condition:
        '#expiresAt > :nowSec AND ((#circuitState = :open AND #openUntil <= :now) OR ' +
        '(#circuitState = :halfOpen AND #probeLeaseUntil <= :now))',
      values: { ':open': 'open', ':halfOpen': 'half-open', ':now': nowMs, ':nowSec': Math.floor(nowMs / 1000) },
    });
    return { acquired: done.ok, snapshot: done.old && live(done.old, nowMs) ? toSnapshot(done.old) : undefined };
  }

  async closeFromProbe(key: string, probeId: string, nowMs: number): Promise<boolean> {
    const buckets = [...(this.#seen.get(key)?.buckets ?? [])].slice(0, MAX_PRUNE_PER_WRITE);
    const done = await this.#conditionalUpdate(key, {
      set: { circuitState: 'closed', windowResetAt: nowMs, expiresAt: this.#expiresAt(nowMs) },
      bumpVersion: true,
      remove: ['probeId', 'probeLeaseUntil', 'openUntil', ...buckets],
      condition: '#circuitState = :halfOpen AND #probeId = :probeId',
      values: { ':halfOpen': 'half-open', ':probeId': probeId },
    });
    if (done.ok) {
      this.#forgetBuckets(key, buckets);
      const seen = this.#seen.get(key);
      if (seen) seen.windowResetAt = nowMs;
    }
    return done.ok;
  }

  async reopenFromProbe(key: string, probeId: string, openUntil: number, nowMs: number): Promise<boolean> {
    const done = await this.#conditionalUpdate(key, {
      set: { circuitState: 'open', openUntil, expiresAt: this.#expiresAt(nowMs) },
      bumpVersion: true,
      remove: ['probeId', 'probeLeaseUntil'],
      condition: '#circuitState = :halfOpen AND #probeId = :probeId',
      values: { ':halfOpen': 'half-open', ':probeId': probeId },
    });
    return done.ok;
  }

  /** One UpdateItem: ADD to the current bucket, prune stale buckets, return ALL_NEW. */
  async #addFailure(key: string, window: WindowSpec) {
    const current = `${BUCKET_PREFIX}${bucketStart(window.nowMs, window.bucketMs)}`;
    const seen = this.#seen.get(key);
    const oldest = oldestCountedBucket(window, seen?.windowResetAt ?? 0);
    const stale = [...(seen?.buckets ?? [])]
      .filter((name) => name !== current && bucketOf(name) < oldest)
      .slice(0, MAX_PRUNE_PER_WRITE);
    const update =
      'SET #circuitState = if_not_exists(#circuitState, :closed), #version = if_not_exists(#version, :zero), #expiresAt = :exp ' +
      `ADD #${current} :one` +
      (stale.length ? ` REMOVE ${stale.map((name) => `#${name}`).join(', ')}` : '');
    const condition = 'attribute_not_exists(#circuitState) OR #circuitState = :closed';
    const values = { ':closed': 'closed', ':zero': 0, ':one': 1, ':exp': this.#expiresAt(window.nowMs) };
    const input: UpdateItemCommandInput = {
      TableName: this.#table,
      Key: marshall({ pk: key }),
      UpdateExpression: update,
      ConditionExpression: condition,
      ...expressionAttributes(values, update, condition),
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
    try {
      const out = await this.#client.send(new UpdateItemCommand(input));
      const item = unmarshall(out.Attributes ?? {});
      this.#remember(key, item);
      const counted = oldestCountedBucket(window, num(item.windowResetAt));
      const failures = Object.entries(item)
        .filter(([name]) => name.startsWith(BUCKET_PREFIX) && bucketOf(name) >= counted)
        .reduce((sum, [, value]) => sum + num(value), 0);
      return { recorded: true, expired: false, expiresAt: 0, result: { recorded: true, failures, snapshot: toSnapshot(item) } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item ? unmarshall(error.Item) : await this.#rawGet(key);
      const expired = !!old && !live(old, window.nowMs);
      const snapshot = old && !expired ? toSnapshot(old) : INITIAL_SNAPSHOT;
      return { recorded: false, expired, expiresAt: num(old?.expiresAt), result: { recorded: false, failures: 0, snapshot } };
    }
  }

  /** Replace an expired record's state with a fresh closed circuit, guarded by its old TTL. */
  async #resetExpired(key: string, oldExpiresAt: number, nowMs: number): Promise<void> {
    await this.#conditionalUpdate(key, {
      set: { circuitState: 'closed', windowResetAt: nowMs, expiresAt: this.#expiresAt(nowMs) },
      bumpVersion: true,
      remove: ['probeId', 'probeLeaseUntil', 'openUntil'],
      condition: '#expiresAt = :oldExpiresAt',
      values: { ':oldExpiresAt': oldExpiresAt },
    });
  }

  async #conditionalUpdate(
    key: string,
    spec: {
      set: Record<string, string | number>;
      bumpVersion: boolean;
      remove: string[];
      condition: string;
      values: Record<string, string | number>;
    },
  ): Promise<{ ok: boolean; old?: Record<string, unknown> }> {
    const sets = Object.keys(spec.set).map((attr) => `#${attr} = :set_${attr}`);
    if (spec.bumpVersion) sets.push('#version = if_not_exists(#version, :zero) + :one');
    const update = `SET ${sets.join(', ')}${spec.remove.length ? ` REMOVE ${spec.remove.map((a) => `#${a}`).join(', ')}` : ''}`;
    const values: Record<string, string | number> = { ...spec.values, ':zero': 0, ':one': 1 };
    for (const [attr, value] of Object.entries(spec.set)) values[`:set_${attr}`] = value;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: marshall({ pk: key }),
          UpdateExpression: update,
          ConditionExpression: spec.condition,
          ...expressionAttributes(values, update, spec.condition),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { ok: false, old: error.Item ? unmarshall(error.Item as Record<string, AttributeValue>) : undefined };
      }
      throw error;
    }
  }

  async #rawGet(key: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: marshall({ pk: key }), ConsistentRead: true }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  }

  #remember(key: string, item: Record<string, unknown>): void {
    if (!this.#seen.has(key) && this.#seen.size >= 100) this.#seen.clear();
    const buckets = new Set(Object.keys(item).filter((name) => name.startsWith(BUCKET_PREFIX)));
    this.#seen.set(key, { buckets, windowResetAt: num(item.windowResetAt) });
  }

  #forgetBuckets(key: string, buckets: string[]): void {
    const seen = this.#seen.get(key);
    for (const name of buckets) seen?.buckets.delete(name);
  }

  #expiresAt(nowMs: number): number {
    return Math.floor(nowMs / 1000) + this.#ttlSeconds;
  }
}

function live(item: Record<string, unknown> | undefined, nowMs: number): item is Record<string, unknown> {
  return !!item && num(item.expiresAt) > Math.floor(nowMs / 1000);
}

function toSnapshot(item: Record<string, unknown>): CircuitSnapshot {
  const state = (item.circuitState as CircuitState | undefined) ?? 'closed';
  return {
    state,
    version: num(item.version),
    openUntil: num(item.openUntil),
    ...(typeof item.probeId === 'string' ? { probeId: item.probeId, probeLeaseUntil: num(item.probeLeaseUntil) } : {}),
  };
}

/**
 * DynamoDB rejects unused placeholders, so names and values are derived from the
 * expressions actually sent. Every attribute name used here is [A-Za-z0-9_], so the
 * placeholder is simply `#<name>`.
 */
function expressionAttributes(values: Record<string, string | number>, ...expressions: string[]) {
  const text = expressions.join(' ');
  const names = Object.fromEntries([...new Set(text.match(/#\w+/g) ?? [])].map((token) => [token, token.slice(1)]));
  const used = new Set(text.match(/:\w+/g) ?? []);
  const vals = Object.fromEntries(Object.entries(values).filter(([token]) => used.has(token)));
  return { ExpressionAttributeNames: names, ExpressionAttributeValues: marshall(vals) };
}

function bucketOf(attributeName: string): number {
  return Number(attributeName.slice(BUCKET_PREFIX.length));
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0) || 0;
}

/** Factory used by the handler: reads TABLE_NAME; the client lives for the whole container. */
export function createStore(options: StoreOptions): CircuitStore {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('TABLE_NAME must be set to the DynamoDB table holding circuit state');
  return new DynamoDbCircuitStore({ ...options, tableName, client: createDynamoDbClient() });
}
