// Local backends for the verification harness and benchmarks: started on loopback, stopped at exit.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs} ms${last ? `: ${last.message}` : ''}`);
}

/** moto_server: the DynamoDB and SQS APIs on loopback. */
async function startMoto() {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const failed = new Promise((_, reject) => child.on('error', (e) => reject(new Error(`cannot start moto_server (${e.message}); it ships preinstalled on these machines`))));
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([failed, waitFor(async () => (await fetch(`${url}/moto-api/`)).ok, 'moto_server')]);
  return {
    name: 'moto',
    env: { AWS_ENDPOINT_URL: url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    reset: async () => void (await fetch(`${url}/moto-api/reset`, { method: 'POST' })),
    stop: () => child.kill('SIGTERM'),
  };
}

/** redis-server: a throwaway, memory-only Redis on loopback (RESP spoken over a raw socket, no client library). */
async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const failed = new Promise((_, reject) =>
    child.on('error', (e) => reject(new Error(`cannot start redis-server (${e.message}); install it with: apt-get install -y redis-server`))),
  );
  const command = (...args) => redisCommand(port, args);
  await Promise.race([failed, waitFor(async () => (await command('PING')) === '+PONG', 'redis-server')]);
  return {
    name: 'redis',
    env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    reset: async () => {
      const reply = await command('FLUSHALL');
      if (reply !== '+OK') throw new Error(`redis FLUSHALL answered ${reply}`);
    },
    stop: () => child.kill('SIGTERM'),
  };
}

/** Sends one command as a RESP array and resolves with the first reply line (e.g. "+PONG"). */
function redisCommand(port, args, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let buffer = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('redis command timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\r\n');
      if (end >= 0) {
        socket.end();
        resolve(buffer.slice(0, end));
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/**
 * PostgreSQL: a throwaway cluster (initdb + postgres) on 127.0.0.1 and a private socket directory,
 * run as the `postgres` OS user (the server refuses root), trust auth on loopback only, durability
 * off (fsync, synchronous_commit): it only lives for one harness run. Reset = drop and recreate the
 * `public` schema of the `postgres` database.
 */
async function startPostgres() {
  const hint = 'PostgreSQL (initdb, postgres, psql) must be on PATH, e.g. apt-get install -y postgresql';
  let initdb;
  try {
    initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`cannot start PostgreSQL: initdb is not on PATH; ${hint}`);
  }
  if (!initdb) throw new Error(`cannot start PostgreSQL: initdb is not on PATH; ${hint}`);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : {};
  const root = mkdtempSync(path.join(tmpdir(), 'verify-pg-'));
  const data = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(socketDir);
  const logFile = path.join(root, 'postgres.log');
  closeSync(openSync(logFile, 'a'));
  if (asRoot) for (const p of [root, data, socketDir, logFile]) chownSync(p, owner.uid, owner.gid);
  try {
    execFileSync(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], { ...owner, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`initdb failed: ${String(e.stderr ?? e.message).trim().split('\n').slice(-2).join(' | ')}`);
  }
  const port = await freePort();
  const log = openSync(logFile, 'a');
  const child = spawn('postgres', ['-D', data, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'], { ...owner, stdio: ['ignore', log, log] });
  closeSync(log);
  const failed = new Promise((_, reject) => {
    child.on('error', (e) => reject(new Error(`cannot start postgres (${e.message}); ${hint}`)));
    child.on('exit', (code) => reject(new Error(`postgres exited with ${code}; see ${logFile}`)));
  });
  const psql = (...sql) => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', ...sql.flatMap((s) => ['-c', s])], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  await Promise.race([failed, waitFor(() => (psql('SELECT 1'), true), 'postgres')]);
  failed.catch(() => {}); // later exits (our own stop) are expected
  return {
    name: 'postgres',
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` },
    reset: async () => void psql('DROP SCHEMA IF EXISTS public CASCADE', 'CREATE SCHEMA public'),
    stop: () => {
      child.kill('SIGINT'); // fast shutdown
      try {
        execFileSync('sh', ['-c', `for i in $(seq 50); do kill -0 ${child.pid} 2>/dev/null || exit 0; sleep 0.1; done`]);
      } catch {}
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const STARTERS = { moto: startMoto, redis: startRedis, postgres: startPostgres };

/** Starts each named service once; `stopAll` is also run on exit and on signals. */
export function serviceManager() {
  const running = new Map();
  const started = [];
  const stopAll = () => {
    for (const s of started.splice(0)) s.stop();
    running.clear();
  };
  process.on('exit', stopAll);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (stopAll(), process.exit(130)));
  return {
    async get(name) {
      const start = STARTERS[name];
      if (!start) throw new Error(`unknown service ${name}`);
      if (!running.has(name)) running.set(name, start().then((s) => (started.push(s), s)));
      return running.get(name);
    },
    stopAll,
  };
}
