#!/usr/bin/env node
// Applies migrations/*.sql in name order, each once, in its own transaction; applied ones are
// recorded in schema_migrations. Connection: DATABASE_URL (the current search_path is used).
//   DATABASE_URL=postgres://user:password@host:5432/db npm run migrate
// Against RDS (from a host that reaches the proxy or the instance), with IAM authentication:
//   PGPASSWORD="$(aws rds generate-db-auth-token --hostname <proxy endpoint> --port 5432 --username <user>)" \
//   DATABASE_URL=postgres://<user>@<proxy endpoint>:5432/<db> DATABASE_SSL=verify-full npm run migrate
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('migrate: set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5433/postgres');
  process.exit(2);
}
const dir = fileURLToPath(new URL('../migrations/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
const ssl = (process.env.DATABASE_SSL ?? 'disable') === 'verify-full' ? { rejectUnauthorized: true } : false;
const client = new pg.Client({ connectionString: url, ssl, password: process.env.PGPASSWORD, connectionTimeoutMillis: 5000 });
await client.connect();
try {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  // One migrator at a time (two CI jobs, two developers): a transaction-scoped advisory lock.
  for (const file of files) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(4242001)');
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file]);
      if (done.rowCount === 0) {
        await client.query(readFileSync(path.join(dir, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        console.log(`migrate: applied ${file}`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new Error(`migrate: ${file} failed: ${error.message}`);
    }
  }
  console.log(`migrate: ${files.length} migration(s), database up to date`);
} finally {
  await client.end();
}
