import { Signer } from '@aws-sdk/rds-signer';
import pg from 'pg';
import * as z from 'zod/mini';
import type { WorkItem, WorkStore } from '../core/work.js';

/**
 * PostgreSQL adapter: one row per work item in `work_items` (migrations/001_create_work_items.sql).
 * The write is `INSERT ... ON CONFLICT (id) DO NOTHING`: the first write inserts the row (rowCount 1),
 * a duplicate changes nothing (rowCount 0). One statement, no read, no transaction.
 */
export class PostgresWorkStore implements WorkStore {
  constructor(private readonly pool: pg.Pool) {}

  async put(item: WorkItem): Promise<'created' | 'duplicate'> {
    const result = await this.pool.query(
      `INSERT INTO work_items (id, source, item_type, occurred_at, data)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [item.id, item.source, item.type, item.occurredAt, JSON.stringify(item.data)],
    );
    return result.rowCount === 1 ? 'created' : 'duplicate';
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

const envSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'DATABASE_URL must be a postgres:// URL' }),
  DATABASE_SSL: z._default(z.enum(['verify-full', 'disable'], { error: 'DATABASE_SSL must be "verify-full" or "disable"' }), 'verify-full'),
  DATABASE_IAM_AUTH: z._default(z.enum(['true', 'false'], { error: 'DATABASE_IAM_AUTH must be "true" or "false"' }), 'false'),
});

/**
 * The connection pool, created once per execution environment (module scope in the handler) and
 * reused by every invocation. `max` = the worker's parallelism: one connection per record in
 * flight, so the store sees at most MaximumConcurrency × WORKER_PARALLELISM connections, and RDS
 * Proxy multiplexes them onto its own pool.
 */
export function createPool(env: Record<string, string | undefined>, maxConnections: number): pg.Pool {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const { DATABASE_URL, DATABASE_SSL, DATABASE_IAM_AUTH } = parsed.data;
  const url = new URL(DATABASE_URL);
  let password: string | (() => Promise<string>) | undefined = url.password ? decodeURIComponent(url.password) : undefined;
  if (DATABASE_IAM_AUTH === 'true') {
    // A fresh IAM token (valid 15 minutes) for each new connection, signed locally with the function's role.
    const signer = new Signer({ hostname: url.hostname, port: Number(url.port || 5432), username: decodeURIComponent(url.username) });
    password = () => signer.getAuthToken();
  }
  const pool = new pg.Pool({
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    user: decodeURIComponent(url.username),
    ...(password !== undefined ? { password } : {}),
    // TLS with the certificate chain and host name verified (RDS Proxy: Amazon Trust Services roots, in Node's store).
    ssl: DATABASE_SSL === 'verify-full' ? { rejectUnauthorized: true, servername: url.hostname } : false,
    max: maxConnections,
    connectionTimeoutMillis: 3000,
    // An outage must cost far less than the function timeout; the record is retried anyway.
    query_timeout: 5000,
    statement_timeout: 5000,
    idleTimeoutMillis: 120_000,
    application_name: 'queue-leveler-worker',
  });
  // A pooled connection dropped while idle (proxy idle timeout, failover) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

/** The store the worker uses, from the environment (validated at cold start; connects lazily). */
export function createStore(options: { maxConcurrency: number }): WorkStore {
  return new PostgresWorkStore(createPool(process.env, options.maxConcurrency));
}
