import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresWorkStore, createPool } from '../../src/adapters/store.js';

/**
 * The PostgreSQL store for the integration tests: a fresh schema on DATABASE_URL, migrated by the
 * project's own migration script (scripts/migrate.mjs), dropped afterwards.
 */
export const integration = {
  missing: (): string | undefined => (process.env.DATABASE_URL ? undefined : 'DATABASE_URL (a PostgreSQL server)'),
  async setup() {
    const base = process.env.DATABASE_URL!;
    const schema = `it_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    // Everything below talks to the new schema: the migration script and the adapter.
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const root = fileURLToPath(new URL('../../', import.meta.url));
    execFileSync(process.execPath, ['scripts/migrate.mjs'], { cwd: root, env: { ...process.env, DATABASE_URL: url.toString(), DATABASE_SSL: 'disable' }, stdio: 'pipe' });
    const pool = createPool({ DATABASE_URL: base, DATABASE_SSL: 'disable' }, 10);
    pool.on('connect', (client) => void client.query(`SET search_path TO ${schema}`));
    const store = new PostgresWorkStore(pool);
    return {
      store,
      async ids(): Promise<string[]> {
        const r = await admin.query<{ id: string }>(`SELECT id FROM ${schema}.work_items`);
        return r.rows.map((row) => row.id);
      },
      async close() {
        await store.close().catch(() => {});
        await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
        await admin.end();
      },
    };
  },
};
