import { Cluster, Redis } from 'ioredis';
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
 * Redis / Valkey adapter: one string key per grant or revocation, the value a small JSON document.
 *
 *   gk:grant#sub#<sub>       {"p":["orders:write"],"e":1800000000}   (e optional: no expiry)
 *   gk:grant#group#<group>   {"p":["admin"]}
 *   gk:revoked#jti#<jti>     {"e":1800000000}
 *   gk:revoked#sub#<sub>     {"e":1800000000}
 *
 * `e` (epoch SECONDS) is checked against the function's clock, so an expired record reads as
 * absent at once; every write with an expiry also sets EXAT so Redis deletes it afterwards.
 * One decision = 2 + MAX_GROUPS GETs at most, sent together (one network round trip). Each
 * command touches ONE key, so it works unchanged on a cluster-mode endpoint.
 */

export type RedisClient = Redis | Cluster;

/** A store outage must cost far less than the authorizer's timeout: deny fast instead. */
export const CONNECT_TIMEOUT_MS = 1000;
export const COMMAND_TIMEOUT_MS = 500;
const PREFIX = 'gk:';

export interface RedisConnection {
  /** redis://host:port locally, rediss://host:port (TLS) for ElastiCache. User and password are honoured. */
  readonly url: string;
  /** True for a cluster-mode endpoint (ElastiCache Serverless, Redis Cluster). */
  readonly cluster?: boolean;
}

/**
 * One client per container, reused by every invocation: lazy connect, no offline queue (a command
 * sent while disconnected fails at once, and the authorizer denies), command timeout, a few quick
 * background reconnects, then reconnect on demand.
 */
export function createRedisClient({ url, cluster = false }: RedisConnection): RedisClient {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss://, got "${parsed.protocol}//"`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(parsed.port || 6379);
  const tls = parsed.protocol === 'rediss:' ? { servername: host } : undefined;
  const auth = {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  const retry = (times: number) => (times > 3 ? null : Math.min(times * 100, 500));
  const connection = {
    ...auth,
    ...(tls ? { tls } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    lazyConnect: true,
  };
  const client: RedisClient = cluster
    ? new Cluster([{ host, port }], {
        // ElastiCache: connect by host name so TLS verifies the certificate against it.
        dnsLookup: (address, callback) => callback(null, address),
        enableOfflineQueue: false,
        enableReadyCheck: false,
        lazyConnect: true,
        clusterRetryStrategy: retry,
        slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
        maxRedirections: 4,
        redisOptions: connection,
      })
    : new Redis({ ...connection, host, port, enableOfflineQueue: false, retryStrategy: retry });
  // Errors surface as rejected commands (→ deny); without a listener ioredis prints them to stderr.
  client.on('error', () => undefined);
  return client;
}

/** Resolves when the client can take a command, or rejects within `timeoutMs`. */
export async function whenReady(client: RedisClient, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  switch (client.status) {
    case 'ready':
      return;
    case 'wait':
    case 'end':
      return withTimeout(client.connect(), timeoutMs, 'Redis connect');
    case 'connecting':
    case 'connect':
      return withTimeout(
        new Promise<void>((resolve, reject) => {
          const done = (error?: Error) => {
            client.off('ready', onReady);
            client.off('close', onClose);
            if (error) reject(error);
            else resolve();
          };
          const onReady = () => done();
          const onClose = () => done(new Error('Redis connection closed while connecting'));
          client.once('ready', onReady);
          client.once('close', onClose);
        }),
        timeoutMs,
        'Redis connect',
      );
    default:
      throw new Error(`Redis is unavailable (connection ${client.status})`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Record_ {
  p?: string[];
  e?: number;
}

function parse(raw: string | null): Record_ | undefined {
  if (raw === null) return undefined;
  const value = JSON.parse(raw) as unknown;
  if (typeof value !== 'object' || value === null) throw new Error('corrupt permission record');
  return value as Record_;
}

export class RedisPermissionStore implements PermissionStore, PermissionAdmin {
  readonly #client: RedisClient;

  constructor(options: { client: RedisClient }) {
    this.#client = options.client;
  }

  async lookup(principal: Principal, nowSeconds: number): Promise<PermissionLookup> {
    if (principal.groups.length > MAX_GROUPS) throw new Error(`more than ${MAX_GROUPS} groups`);
    await whenReady(this.#client);
    const wanted = [
      keys.revokedSubject(principal.sub),
      ...(principal.jti ? [keys.revokedToken(principal.jti)] : []),
      keys.grant({ sub: principal.sub }),
      ...principal.groups.map((group) => keys.grant({ group })),
    ];
    const values = await Promise.all(wanted.map((k) => this.#client.get(PREFIX + k)));
    const live = new Map<string, Record_>();
    wanted.forEach((k, i) => {
      const record = parse(values[i] ?? null);
      if (record && (record.e === undefined || record.e > nowSeconds)) live.set(k, record);
    });
    if (principal.jti && live.has(keys.revokedToken(principal.jti))) return { permissions: new Set(), revoked: 'token' };
    if (live.has(keys.revokedSubject(principal.sub))) return { permissions: new Set(), revoked: 'subject' };
    const permissions = new Set<string>();
    for (const [k, record] of live) {
      if (!k.startsWith('grant#')) continue;
      for (const p of record.p ?? []) if (typeof p === 'string') permissions.add(p);
    }
    return { permissions, revoked: false };
  }

  async grant(target: GrantTarget, permissions: readonly string[], expiresAt?: number): Promise<void> {
    if (permissions.length === 0) throw new Error('a grant needs at least one permission');
    await this.#set(keys.grant(target), { p: [...new Set(permissions)], ...(expiresAt ? { e: expiresAt } : {}) }, expiresAt);
  }

  async revokeToken(jti: string, expiresAt: number): Promise<void> {
    await this.#set(keys.revokedToken(jti), { e: expiresAt }, expiresAt);
  }

  async revokeSubject(sub: string, expiresAt: number): Promise<void> {
    await this.#set(keys.revokedSubject(sub), { e: expiresAt }, expiresAt);
  }

  async #set(key: string, value: Record_, expiresAt?: number): Promise<void> {
    await whenReady(this.#client);
    const json = JSON.stringify(value);
    if (expiresAt === undefined) await this.#client.set(PREFIX + key, json);
    else await this.#client.set(PREFIX + key, json, 'EXAT', expiresAt);
  }
}

/**
 * The factory the authorizer calls once per container. REDIS_URL is the endpoint (rediss:// for
 * TLS; set by the infrastructure code in AWS); REDIS_CLUSTER=true for a cluster-mode endpoint
 * such as ElastiCache Serverless. Outside Lambda REDIS_URL defaults to a local Redis.
 */
export function createPermissionStore(): RedisPermissionStore {
  const url = process.env.REDIS_URL || (process.env.AWS_LAMBDA_FUNCTION_NAME ? undefined : 'redis://127.0.0.1:6379');
  if (!url) throw new Error('REDIS_URL must be set to the Redis/Valkey endpoint holding grants and revocations (rediss://host:port)');
  return new RedisPermissionStore({ client: createRedisClient({ url, cluster: process.env.REDIS_CLUSTER === 'true' }) });
}
