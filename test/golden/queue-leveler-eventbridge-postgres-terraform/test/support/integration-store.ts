import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresWorkStore, createPool } from '../../src/adapters/store.js';

/**
 * The PostgreSQL store for the integration tests: a fresh database on the server of DATABASE_URL,
 * migrated by the project's own migration script (scripts/migrate.mjs), dropped afterwards. A
 * database, not a schema: the adapter's pool then connects exactly as configured, with nothing
 * set on its connections behind its back. The role needs CREATEDB (the docker-compose server's
 * `postgres` user has it).
 */
export const integration = {
  missing: (): string | undefined => (process.env.DATABASE_URL ? undefined : 'DATABASE_URL (a PostgreSQL server)'),
  async setup() {
    const base = process.env.DATABASE_URL!;
    const database = `it_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(base);
    url.pathname = `/${database}`;
    const root = fileURLToPath(new URL('../../', import.meta.url));
    execFileSync(process.execPath, ['scripts/migrate.mjs'], { cwd: root, env: { ...process.env, DATABASE_URL: url.toString(), DATABASE_SSL: 'disable' }, stdio: 'pipe' });
    const store = new PostgresWorkStore(createPool({ DATABASE_URL: url.toString(), DATABASE_SSL: 'disable' }, 10));
    const reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
    return {
      store,
      async ids(): Promise<string[]> {
        const r = await reader.query<{ id: string }>('SELECT id FROM work_items');
        return r.rows.map((row) => row.id);
      },
      async close() {
        await store.close().catch(() => {});
        await reader.end().catch(() => {});
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
        await admin.end();
      },
    };
  },
};
