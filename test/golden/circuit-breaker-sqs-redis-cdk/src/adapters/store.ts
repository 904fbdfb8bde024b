import { Cluster, Redis, type Result } from 'ioredis';
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
 * Redis / Valkey adapter: ONE hash per circuit, every mutation ONE Lua script (EVALSHA via
 * `defineCommand`), so each operation is atomic on the server. Every script touches exactly
 * one key (KEYS[1]), so it never crosses hash slots and runs unchanged on a cluster-mode
 * endpoint (ElastiCache Serverless, Redis Cluster).
 *
 * Hash layout, key = the circuit key (e.g. "circuit#https://api.example.com"):
 *   state            closed | open | half-open
 *   version          bumped on every transition (guards closed→open)
 *   openUntil        epoch ms, end of the cool-down (0 when closed)
 *   probeId          current probe (half-open only)
 *   probeLeaseUntil  epoch ms, the probe's lease end (half-open only)
 *   windowResetAt    epoch ms of the last close; older buckets never count
 *   expiresAt        epoch SECONDS (caller's clock) after which readers treat the circuit as absent
 *   f:<bucketStart>  failure counter per time bucket (bucketStart in epoch ms), via HINCRBY
 *
 * Two expiries: `expiresAt` is the logical TTL checked against the caller's clock (the
 * contract: times come from the breaker, never from the store), and every write also sets
 * `EXPIRE key ttlSeconds` so Redis deletes circuits nobody writes any more. Buckets that
 * left the window are deleted by the next failure (and all buckets by open/close).
 */

/** Shared Lua prelude: load the circuit and decide whether it is live. */
const PRELUDE = `
local key = KEYS[1]
local function num(v) return tonumber(v) or 0 end
local function int(n) return string.format('%d', n) end
local function load(nowSec)
  local v = redis.call('HMGET', key, 'state', 'version', 'openUntil', 'probeId', 'probeLeaseUntil', 'windowResetAt', 'expiresAt')
  if not v[1] then return nil, false end
  local r = { state = v[1], version = num(v[2]), openUntil = num(v[3]), probeId = v[4] or '',
              probeLeaseUntil = num(v[5]), windowResetAt = num(v[6]), expiresAt = num(v[7]) }
  return r, r.expiresAt > nowSec
end
local function snapshot(r)
  return { r.state, r.version, r.openUntil, r.probeId, r.probeLeaseUntil }
end
local function touch(nowSec, ttl)
  redis.call('HSET', key, 'expiresAt', int(nowSec + ttl))
  redis.call('EXPIRE', key, ttl)
end
local function dropBuckets()
  local fields = redis.call('HKEYS', key)
  for _, f in ipairs(fields) do
    if string.sub(f, 1, 2) == 'f:' then redis.call('HDEL', key, f) end
  end
end
`;

/**
 * recordFailure — ARGV: nowSec, ttlSec, currentBucketField ("f:<start>"), oldestBySize (ms), bucketMs.
 * Returns {recorded 0|1, failures, state, version, openUntil, probeId, probeLeaseUntil}.
 * An absent circuit is created closed; one past its logical TTL (not yet deleted by Redis)
 * is replaced by a fresh closed circuit whose version continues from the old one.
 */
const RECORD_FAILURE = `${PRELUDE}
local nowSec, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local r, live = load(nowSec)
if r and not live then
  local version = r.version + 1
  redis.call('DEL', key)
  r = nil
  redis.call('HSET', key, 'state', 'closed', 'version', int(version))
  r = { state = 'closed', version = version, openUntil = 0, probeId = '', probeLeaseUntil = 0, windowResetAt = 0 }
elseif not r then
  redis.call('HSET', key, 'state', 'closed', 'version', '0')
  r = { state = 'closed', version = 0, openUntil = 0, probeId = '', probeLeaseUntil = 0, windowResetAt = 0 }
end
if r.state ~= 'closed' then
  local s = snapshot(r)
  return { 0, 0, s[1], s[2], s[3], s[4], s[5] }
end
redis.call('HINCRBY', key, ARGV[3], 1)
local bucketMs = tonumber(ARGV[5])
local oldest = math.max(tonumber(ARGV[4]), math.floor(r.windowResetAt / bucketMs) * bucketMs)
local all = redis.call('HGETALL', key)
local failures = 0
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, 2) == 'f:' then
    if tonumber(string.sub(f, 3)) < oldest then
      redis.call('HDEL', key, f)
    else
      failures = failures + tonumber(all[i + 1])
    end
  end
end
touch(nowSec, ttl)
local s = snapshot(r)
return { 1, failures, s[1], s[2], s[3], s[4], s[5] }
`;

/** tryOpen — ARGV: expectedVersion, openUntil (ms), nowSec, ttlSec. Returns 1 if this caller opened it. */
const TRY_OPEN = `${PRELUDE}
local nowSec, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local r, live = load(nowSec)
if not r or not live or r.state ~= 'closed' or r.version ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', key, 'state', 'open', 'openUntil', ARGV[2], 'version', int(r.version + 1))
redis.call('HDEL', key, 'probeId', 'probeLeaseUntil')
dropBuckets()
touch(nowSec, ttl)
return 1
`;

/**
 * acquireProbe — ARGV: probeId, leaseUntil (ms), nowMs, nowSec, ttlSec.
 * Returns {1} when elected, else {0, state, version, openUntil, probeId, probeLeaseUntil}
 * ({0} alone when the circuit is absent or expired).
 */
const ACQUIRE_PROBE = `${PRELUDE}
local now, nowSec, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local r, live = load(nowSec)
if not r or not live then return { 0 } end
local eligible = (r.state == 'open' and r.openUntil <= now) or (r.state == 'half-open' and r.probeLeaseUntil <= now)
if not eligible then
  local s = snapshot(r)
  return { 0, s[1], s[2], s[3], s[4], s[5] }
end
redis.call('HSET', key, 'state', 'half-open', 'probeId', ARGV[1], 'probeLeaseUntil', ARGV[2], 'version', int(r.version + 1))
touch(nowSec, ttl)
return { 1 }
`;

/** closeFromProbe — ARGV: probeId, nowMs, nowSec, ttlSec. Returns 1 if the probe still held the lease. */
const CLOSE_FROM_PROBE = `${PRELUDE}
local nowSec, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local r = load(nowSec)
if not r or r.state ~= 'half-open' or r.probeId ~= ARGV[1] then return 0 end
redis.call('HSET', key, 'state', 'closed', 'openUntil', '0', 'windowResetAt', ARGV[2], 'version', int(r.version + 1))
redis.call('HDEL', key, 'probeId', 'probeLeaseUntil')
dropBuckets()
touch(nowSec, ttl)
return 1
`;

/** reopenFromProbe — ARGV: probeId, openUntil (ms), nowSec, ttlSec. Returns 1 if the probe still held the lease. */
const REOPEN_FROM_PROBE = `${PRELUDE}
local nowSec, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local r = load(nowSec)
if not r or r.state ~= 'half-open' or r.probeId ~= ARGV[1] then return 0 end
redis.call('HSET', key, 'state', 'open', 'openUntil', ARGV[2], 'version', int(r.version + 1))
redis.call('HDEL', key, 'probeId', 'probeLeaseUntil')
touch(nowSec, ttl)
return 1
`;

type Arg = string | number;
type Reply = (string | number)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    cbRecordFailure(key: string, ...args: Arg[]): Result<Reply, Context>;
    cbTryOpen(key: string, ...args: Arg[]): Result<number, Context>;
    cbAcquireProbe(key: string, ...args: Arg[]): Result<Reply, Context>;
    cbCloseFromProbe(key: string, ...args: Arg[]): Result<number, Context>;
    cbReopenFromProbe(key: string, ...args: Arg[]): Result<number, Context>;
  }
}

const SCRIPTS = {
  cbRecordFailure: RECORD_FAILURE,
  cbTryOpen: TRY_OPEN,
  cbAcquireProbe: ACQUIRE_PROBE,
  cbCloseFromProbe: CLOSE_FROM_PROBE,
  cbReopenFromProbe: REOPEN_FROM_PROBE,
} as const;

export type RedisClient = Redis | Cluster;

/** Store outages must cost far less than the function timeout (10 s) and fail fast. */
export const CONNECT_TIMEOUT_MS = 1000;
export const COMMAND_TIMEOUT_MS = 500;

export interface RedisConnection {
  /** redis://host:port locally, rediss://host:port (TLS) for ElastiCache. User and password are honoured. */
  readonly url: string;
  /** True for a cluster-mode endpoint (ElastiCache Serverless, Redis Cluster). */
  readonly cluster?: boolean;
}

/**
 * One client per container (created at cold start, reused by every invocation):
 * - lazyConnect: nothing happens until the first command; `RedisCircuitStore` then waits at most
 *   CONNECT_TIMEOUT_MS for the connection.
 * - enableOfflineQueue false: a command sent while disconnected fails at once instead of queueing,
 *   so the breaker's store-error policy (fail-open / fail-closed) applies immediately.
 * - maxRetriesPerRequest 0 and autoResendUnfulfilledCommands false: a script whose reply was lost
 *   is never sent twice (a repeated HINCRBY would count a failure twice).
 * - commandTimeout: a hung connection costs COMMAND_TIMEOUT_MS, not the function timeout.
 * - a few quick background reconnects, then none: the next command reconnects on demand.
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
    autoResendUnfulfilledCommands: false,
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
  // Errors surface as rejected commands (and then the breaker's storeError); without a listener
  // ioredis would print every connection error to stderr.
  client.on('error', () => undefined);
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
  return client;
}

/** Resolves when the client can take a command, or rejects within `timeoutMs`. */
export async function whenReady(client: RedisClient, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  switch (client.status) {
    case 'ready':
      return;
    case 'wait':
    case 'end':
      // First use (lazyConnect), or background reconnects gave up: connect on demand.
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
      // reconnecting / close / disconnecting: known to be down right now; fail fast.
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

export class RedisCircuitStore implements CircuitStore {
  readonly #client: RedisClient;
  readonly #ttlSeconds: number;

  constructor(options: StoreOptions & { client: RedisClient }) {
    this.#client = options.client;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async get(key: string, nowMs: number): Promise<CircuitSnapshot> {
    const client = await this.#ready();
    const [state, version, openUntil, probeId, probeLeaseUntil, expiresAt] = await client.hmget(
      key, 'state', 'version', 'openUntil', 'probeId', 'probeLeaseUntil', 'expiresAt',
    );
    if (!state || num(expiresAt) <= seconds(nowMs)) return INITIAL_SNAPSHOT;
    return toSnapshot([state, version ?? 0, openUntil ?? 0, probeId ?? '', probeLeaseUntil ?? 0]);
  }

  async recordFailure(key: string, window: WindowSpec): Promise<RecordFailureResult> {
    const client = await this.#ready();
    const current = bucketStart(window.nowMs, window.bucketMs);
    // Oldest bucket by window size alone; the script raises it to the last reset (windowResetAt).
    const oldestBySize = oldestCountedBucket(window, 0);
    const reply = await client.cbRecordFailure(
      key, seconds(window.nowMs), this.#ttlSeconds, `f:${current}`, oldestBySize, window.bucketMs,
    );
    const recorded = Number(reply[0]) === 1;
    return { recorded, failures: recorded ? Number(reply[1]) : 0, snapshot: toSnapshot(reply.slice(2)) };
  }

  async tryOpen(key: string, expectedVersion: number, openUntil: number, nowMs: number): Promise<boolean> {
    const client = await this.#ready();
    return (await client.cbTryOpen(key, expectedVersion, openUntil, seconds(nowMs), this.#ttlSeconds)) === 1;
  }

  async acquireProbe(key: string, probeId: string, leaseUntil: number, nowMs: number) {
    const client = await this.#ready();
    const reply = await client.cbAcquireProbe(key, probeId, leaseUntil, nowMs, seconds(nowMs), this.#ttlSeconds);
    if (Number(reply[0]) === 1) return { acquired: true };
    return { acquired: false, ...(reply.length > 1 ? { snapshot: toSnapshot(reply.slice(1)) } : {}) };
  }

  async closeFromProbe(key: string, probeId: string, nowMs: number): Promise<boolean> {
    const client = await this.#ready();
    return (await client.cbCloseFromProbe(key, probeId, nowMs, seconds(nowMs), this.#ttlSeconds)) === 1;
  }

  async reopenFromProbe(key: string, probeId: string, openUntil: number, nowMs: number): Promise<boolean> {
    const client = await this.#ready();
    return (await client.cbReopenFromProbe(key, probeId, openUntil, seconds(nowMs), this.#ttlSeconds)) === 1;
  }

  async #ready(): Promise<RedisClient> {
    await whenReady(this.#client);
    return this.#client;
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function num(value: unknown): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** [state, version, openUntil, probeId, probeLeaseUntil] as the scripts return them. */
function toSnapshot(fields: readonly unknown[]): CircuitSnapshot {
  const [state, version, openUntil, probeId, probeLeaseUntil] = fields;
  return {
    state: (state as CircuitState | undefined) ?? 'closed',
    version: num(version),
    openUntil: num(openUntil),
    ...(typeof probeId === 'string' && probeId !== '' ? { probeId, probeLeaseUntil: num(probeLeaseUntil) } : {}),
  };
}

/**
 * The factory the handlers call once per container. REDIS_URL is the endpoint (rediss:// for
 * TLS; set by the infrastructure code in AWS); REDIS_CLUSTER=true for a cluster-mode endpoint
 * such as ElastiCache Serverless. Outside Lambda REDIS_URL defaults to a local Redis.
 */
export function createStore(options: StoreOptions): CircuitStore {
  const url = process.env.REDIS_URL || (process.env.AWS_LAMBDA_FUNCTION_NAME ? undefined : 'redis://127.0.0.1:6379');
  if (!url) throw new Error('REDIS_URL must be set to the Redis/Valkey endpoint holding circuit state (rediss://host:port)');
  const cluster = process.env.REDIS_CLUSTER === 'true';
  return new RedisCircuitStore({ ...options, client: createRedisClient({ url, cluster }) });
}
