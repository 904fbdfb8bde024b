/**
 * Benchmark driver for a generated gatekeeper project (copied to the project root as
 * bench-driver.ts and run there by bench/run.mjs).
 *
 * Measures authorizer decisions per second and per-decision latency with a warm JWKS cache,
 * using the project's own config loader, verifier (aws-jwt-verify) and Gatekeeper, the test
 * issuer (RSA key + JWKS on loopback) and the in-memory store, so no service is needed and
 * store round trips stay out of the figure. Progress goes to stderr; ONE JSON line to stdout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadAuthorizerConfig } from './src/core/config.js';
import { Gatekeeper, silentObserver, type Decision } from './src/core/gatekeeper.js';
import { createTokenVerifier } from './src/core/verifier.js';
import { authorizerEnv, startTestIssuer, type TestIssuer } from './test/support/jwt.js';
import { MemoryPermissionStore } from './test/support/memory-store.js';

const QUICK = process.env.BENCH_QUICK === '1';
const POOL = QUICK ? 100 : 1000; // distinct tokens per pool: nothing can be served from a result cache
const WARMUP = QUICK ? 1000 : 2000; // untimed first: JWKS fetch, key import, JIT (barely shrunk: cheap, and it steadies the first row)
const COUNT = QUICK ? 2000 : 20000; // timed sequential decisions per row
const TARGET = 5000;
const PLACEHOLDER = 'Bearer REPLACE.WITH.TOKEN'; // what the sample events carry in their Authorization header

type Row = Record<string, string | number>;
const log = (message: string) => process.stderr.write(`[gatekeeper] ${message}\n`);
const sub = (i: number) => `bench-user-${i % POOL}`;

/** Warm up, then time COUNT decisions one at a time (await each); every outcome must pass `ok`. */
async function measure<T>(label: string, idp: TestIssuer, decide: (i: number) => Promise<T>, ok: (r: T, i: number) => boolean): Promise<Row> {
  log(`${label}: ${WARMUP} warm-up + ${COUNT} timed decisions`);
  for (let i = 0; i < WARMUP; i++) if (!ok(await decide(i), i)) throw new Error(`${label}: unexpected outcome in warm-up (#${i})`);
  const fetchesBefore = idp.fetches();
  const micros = new Float64Array(COUNT);
  const start = process.hrtime.bigint();
  for (let i = 0; i < COUNT; i++) {
    const t0 = process.hrtime.bigint();
    const result = await decide(i);
    micros[i] = Number(process.hrtime.bigint() - t0) / 1000;
    // Checked on every decision: a fast benchmark of a broken path is worthless.
    if (!ok(result, i)) throw new Error(`${label}: unexpected outcome for decision #${i}: ${JSON.stringify(result)}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  micros.sort();
  const pct = (p: number) => Math.round(micros[Math.min(COUNT - 1, Math.ceil(p * COUNT) - 1)]! * 10) / 10;
  return {
    label,
    decisions: COUNT,
    'decisions/s': Math.round(COUNT / seconds),
    'p50 µs': pct(0.5),
    'p99 µs': pct(0.99),
    'JWKS fetches (timed)': idp.fetches() - fetchesBefore,
  };
}

async function main(): Promise<void> {
  const idp = await startTestIssuer();
  try {
    // Same environment as the unit tests; the store variables only let the handler module
    // initialise (its own store is never called: nothing listens on port 9).
    Object.assign(process.env, authorizerEnv(idp), {
      TABLE_NAME: 'bench-table',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      REDIS_URL: 'redis://127.0.0.1:9',
      POWERTOOLS_LOG_LEVEL: 'SILENT', // stdout is reserved for the one JSON line
      POWERTOOLS_SERVICE_NAME: 'bench',
      POWERTOOLS_METRICS_NAMESPACE: 'Bench',
    });
    // Built as src/handlers/authorizer.ts does, once: config from env, ONE verifier (one JWKS
    // cache) shared by every row, but the memory store and a silent observer.
    const config = loadAuthorizerConfig(process.env);
    const verifier = createTokenVerifier(config);
    const gatekeeper = new Gatekeeper({ config, verifier, store: new MemoryPermissionStore(), observer: silentObserver });

    log(`signing ${2 * POOL} RS256 tokens`);
    const exp = Math.floor(Date.now() / 1000) + 3600; // outlives the run
    const claims = (i: number) => ({ sub: sub(i), jti: `bench-jti-${i}`, scope: 'orders:read profile', exp });
    const valid = Array.from({ length: POOL }, (_, i) => `Bearer ${idp.token(claims(i))}`);
    // Same kid as the published key, signed with another key: full parse + one failed RSA verify.
    const forged = Array.from({ length: POOL }, (_, i) => `Bearer ${idp.token(claims(i), {}, idp.otherKey)}`);

    const ask = (authorization: string, method: string, resource: string) => gatekeeper.authorize({ authorization, method, resource });
    const denied = (status: number, reason: string) => (d: Decision) => d.effect === 'deny' && d.status === status && d.reason === reason;
    const rows: Row[] = [];
    const notes: string[] = [];

    rows.push(await measure('allow: Gatekeeper.authorize, GET /orders/{id}', idp, (i) => ask(valid[i % POOL]!, 'GET', '/orders/{id}'),
      (d, i) => d.effect === 'allow' && d.context.sub === sub(i)));
    // Valid signature, route needs orders:write: the deny path after the whole signature check.
    rows.push(await measure('deny 403: scope missing, POST /orders', idp, (i) => ask(valid[i % POOL]!, 'POST', '/orders'), denied(403, 'insufficient-scope')));
    rows.push(await measure('deny 401: foreign signature', idp, (i) => ask(forged[i % POOL]!, 'GET', '/orders/{id}'), denied(401, 'bad-signature')));

    // Full handler (event parsing + response shaping) around the same Gatekeeper. Imported
    // dynamically because the module reads its configuration at import time (env set above).
    const eventFile = ['events/authorizer-request.json', 'events/authorizer.json'].find((f) => existsSync(f));
    const sample = eventFile ? readFileSync(eventFile, 'utf8') : '';
    if (sample.includes(PLACEHOLDER)) {
      const { createHandler } = await import('./src/handlers/authorizer.js');
      // HTTP API (payload 2.0) or REST API event: the handler's parameter type differs by trigger.
      const handler = createHandler(gatekeeper) as unknown as (event: unknown) => Promise<Record<string, any>>;
      const kind = sample.includes('"routeKey"') ? 'HTTP API' : 'REST API';
      const events = valid.map((bearer) => JSON.parse(sample.replaceAll(PLACEHOLDER, bearer)) as unknown);
      // Allowed = HTTP simple response isAuthorized, or REST IAM policy with an Allow statement.
      const allowed = (r: Record<string, any>) => r?.isAuthorized === true || r?.policyDocument?.Statement?.[0]?.Effect === 'Allow';
      rows.push(await measure(`allow: full ${kind} handler (${eventFile})`, idp, (i) => handler(events[i % POOL]),
        (r, i) => allowed(r) && r.context?.sub === sub(i)));
    } else {
      notes.push('handler row skipped: no sample authorizer event with the Authorization placeholder in events/');
    }

    const totalFetches = idp.fetches();
    if (totalFetches > 1) throw new Error(`JWKS fetched ${totalFetches} times: the cache is not warm across decisions`);
    const allowRate = Number(rows[0]!['decisions/s']);
    const output = {
      name: 'gatekeeper',
      rows,
      targets: [{ target: 'at least 5,000 decisions/s on one core (signature check + scope logic, store aside)', met: allowRate >= TARGET, value: `${allowRate}/s` }],
      notes: [
        `single Node ${process.version} process (one core), sequential decisions (await each); ${WARMUP} untimed warm-up then ${COUNT} timed per row${QUICK ? ' (BENCH_QUICK)' : ''}`,
        `pools of ${POOL} distinct RS256 (2048-bit) tokens per kind, signed before timing, distinct sub and jti, cycled in order`,
        'store: the in-memory MemoryPermissionStore (no grants, no revocations), so lookups cost microseconds; observer: silent (no logs/metrics)',
        `JWKS fetches counted by the test issuer's HTTP endpoint: ${totalFetches} over the whole run (warm-up), one verifier shared by all rows`,
        'latency per decision from process.hrtime.bigint around each awaited call; decisions/s = timed count / wall time of the timed loop',
        ...notes,
      ],
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    await idp.close(); // the only server we start; nothing else holds the event loop
  }
}

main().catch((error: unknown) => {
  log(`FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
