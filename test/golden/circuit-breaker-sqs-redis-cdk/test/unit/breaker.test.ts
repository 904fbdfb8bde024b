import { beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/core/breaker.js';
import type { BreakerConfig } from '../../src/core/config.js';
import { MemoryCircuitStore } from '../support/memory-store.js';
import { recordingObserver } from '../support/recording-observer.js';

const KEY = 'circuit#https://downstream.test';
const T0 = 1_700_000_000_000; // aligned to a 10 s bucket boundary

const baseConfig: BreakerConfig = {
  failureThreshold: 5,
  windowMs: 60_000,
  bucketMs: 10_000,
  cooldownMs: 30_000,
  probeLeaseMs: 10_000,
  onStoreError: 'fail-open',
};

type Result = { ok: boolean };
const ok = async (): Promise<Result> => ({ ok: true });
const bad = async (): Promise<Result> => ({ ok: false });
const isFailure = (r: Result) => !r.ok;

function setup(overrides: Partial<BreakerConfig> = {}) {
  let now = T0;
  const store = new MemoryCircuitStore();
  const rec = recordingObserver();
  let ids = 0;
  const breaker = new CircuitBreaker({
    store,
    config: { ...baseConfig, ...overrides },
    clock: () => now,
    observer: rec.observer,
    newProbeId: () => `probe-${++ids}`,
  });
  return {
    store,
    rec,
    breaker,
    run: (fn: () => Promise<Result>) => breaker.execute(KEY, fn, isFailure),
    advance: (ms: number) => (now += ms),
    at: (ms: number) => (now = T0 + ms),
  };
}

async function failTimes(ctx: ReturnType<typeof setup>, n: number) {
  for (let i = 0; i < n; i++) await ctx.run(bad);
}

describe('closed state', () => {
  it('lets calls through with exactly one store round trip on the happy path', async () => {
    const ctx = setup();
    const result = await ctx.run(ok);
    expect(result).toEqual({ kind: 'executed', result: { ok: true }, role: 'normal' });
    expect(ctx.store.calls).toEqual({ get: 1 });
  });

  it('does not count results the classifier calls healthy (e.g. 4xx)', async () => {
    const ctx = setup();
    for (let i = 0; i < 10; i++) await ctx.run(async () => ({ ok: true }));
    expect(ctx.store.calls.recordFailure).toBeUndefined();
    expect(ctx.rec.transitions).toEqual([]);
  });

  it('stays closed below the threshold and opens exactly at it', async () => {
    const ctx = setup();
    await failTimes(ctx, 4);
    expect(ctx.rec.failures).toEqual([1, 2, 3, 4]);
    expect(ctx.rec.transitions).toEqual([]);
    await ctx.run(bad);
    expect(ctx.rec.path()).toEqual(['closed->open']);
  });

  it('counts a thrown error as a failure and re-throws it', async () => {
    const ctx = setup({ failureThreshold: 1 });
    await expect(ctx.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(ctx.rec.path()).toEqual(['closed->open']);
  });
});

describe('sliding window', () => {
  it('forgets failures once their bucket slides out of the window', async () => {
    const ctx = setup();
    await failTimes(ctx, 4); // t = 0 s, bucket [0,10)
    ctx.at(60_000); // bucket [0,10) is now outside the last six buckets [10,70)
    await ctx.run(bad);
    expect(ctx.rec.failures.at(-1)).toBe(1);
    expect(ctx.rec.transitions).toEqual([]);
  });

  it('counts failures spread across buckets still inside the window', async () => {
    const ctx = setup();
    await failTimes(ctx, 3); // bucket [0,10)
    ctx.at(55_000);
    await failTimes(ctx, 2); // bucket [50,60), window [0,60)
    expect(ctx.rec.failures.at(-1)).toBe(5);
    expect(ctx.rec.path()).toEqual(['closed->open']);
  });

  it('slides bucket by bucket', async () => {
    const ctx = setup();
    await failTimes(ctx, 2); // bucket 0
    ctx.at(20_000);
    await failTimes(ctx, 2); // bucket 20
    ctx.at(65_000); // window [10,70): bucket 0 gone, bucket 20 stays
    await ctx.run(bad);
    expect(ctx.rec.failures.at(-1)).toBe(3);
    expect(ctx.rec.transitions).toEqual([]);
  });
});

describe('open state', () => {
  it('rejects without calling downstream and reports the remaining cool-down', async () => {
    const ctx = setup();
    await failTimes(ctx, 5);
    ctx.advance(12_300);
    let called = false;
    const result = await ctx.run(async () => ((called = true), { ok: true }));
    expect(called).toBe(false);
    expect(result).toEqual({ kind: 'rejected', reason: 'open', retryAfterSeconds: 18 });
  });

  it('does not count failures of callers still in flight when it opened', async () => {
    const ctx = setup();
    await failTimes(ctx, 5);
    expect(await ctx.store.recordFailure(KEY, { nowMs: T0, windowMs: 60_000, bucketMs: 10_000 })).toMatchObject({
      recorded: false,
    });
  });
});

describe('half-open state', () => {
  async function openCircuit(ctx: ReturnType<typeof setup>) {
    await failTimes(ctx, 5);
    ctx.advance(30_000); // cool-down over
  }

  it('elects a probe after the cool-down; probe success closes and resets the window', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    const probe = await ctx.run(ok);
    expect(probe).toMatchObject({ kind: 'executed', role: 'probe' });
    expect(ctx.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    // The five failures at t=0 are still inside 60 s, but the reset discards them.
    await failTimes(ctx, 4);
    expect(ctx.rec.failures.at(-1)).toBe(4);
    expect(ctx.rec.transitions).toHaveLength(3);
  });

  it('probe failure re-opens with a fresh cool-down', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    await ctx.run(bad);
    expect(ctx.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
    ctx.advance(1_000);
    expect(await ctx.run(ok)).toEqual({ kind: 'rejected', reason: 'open', retryAfterSeconds: 29 });
  });

  it('a 4xx-style healthy probe result closes the circuit', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    await ctx.run(async () => ({ ok: true }));
    expect(ctx.rec.path().at(-1)).toBe('half-open->closed');
  });

  it('admits exactly one probe among concurrent callers', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async () => {
      calls++;
      await gate;
      return { ok: true };
    };
    const pending = Array.from({ length: 20 }, () => ctx.run(slow));
    await new Promise((r) => setTimeout(r, 20));
    release();
    const results = await Promise.all(pending);
    expect(calls).toBe(1);
    expect(results.filter((r) => r.kind === 'executed')).toHaveLength(1);
    const rejected = results.filter((r) => r.kind === 'rejected');
    expect(rejected).toHaveLength(19);
    expect(rejected.every((r) => r.reason === 'probe-in-flight' && r.retryAfterSeconds === 10)).toBe(true);
    expect(ctx.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('rejects while a live probe holds the lease', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    await ctx.store.acquireProbe(KEY, 'crashed', T0 + 30_000 + 10_000, T0 + 30_000);
    ctx.advance(4_000);
    expect(await ctx.run(ok)).toEqual({ kind: 'rejected', reason: 'probe-in-flight', retryAfterSeconds: 6 });
  });

  it('an expired lease lets another caller become the probe; the stale probe result is ignored', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    // A probe that crashed (or hung) after winning the election.
    await ctx.store.acquireProbe(KEY, 'crashed', T0 + 30_000 + 10_000, T0 + 30_000);
    ctx.advance(10_000); // lease over
    await ctx.run(bad); // new probe fails -> open again
    expect(ctx.rec.path()).toEqual(['closed->open', 'half-open->half-open', 'half-open->open']);
    expect(ctx.rec.transitions[1]?.reason).toBe('previous probe lease expired');
    // The crashed probe wakes up and reports success: it no longer owns the circuit.
    expect(await ctx.store.closeFromProbe(KEY, 'crashed', T0 + 41_000)).toBe(false);
    expect((await ctx.store.get(KEY, T0 + 41_000)).state).toBe('open');
  });

  it('reports a probe whose lease was taken over', async () => {
    const ctx = setup();
    await openCircuit(ctx);
    const first = ctx.run(async () => {
      // While this probe hangs, its lease expires and another caller takes over.
      ctx.advance(10_001);
      await ctx.run(ok);
      return { ok: true };
    });
    await first;
    expect(ctx.rec.leaseLost).toEqual(['probe-1']);
    expect(ctx.rec.path()).toEqual(['closed->open', 'open->half-open', 'half-open->half-open', 'half-open->closed']);
  });
});

describe('store outage policy', () => {
  const outage = new Error('store down');

  it('fail-open lets the call through, logs and counts the error', async () => {
    const ctx = setup({ onStoreError: 'fail-open' });
    ctx.store.outage = outage;
    let called = false;
    const result = await ctx.run(async () => ((called = true), { ok: true }));
    expect(called).toBe(true);
    expect(result).toMatchObject({ kind: 'executed', role: 'bypass' });
    expect(ctx.rec.storeErrors).toEqual([{ operation: 'get', policy: 'fail-open' }]);
  });

  it('fail-closed rejects without calling downstream', async () => {
    const ctx = setup({ onStoreError: 'fail-closed' });
    ctx.store.outage = outage;
    let called = false;
    const result = await ctx.run(async () => ((called = true), { ok: true }));
    expect(called).toBe(false);
    expect(result).toEqual({ kind: 'rejected', reason: 'store-unavailable', retryAfterSeconds: 30 });
    expect(ctx.rec.storeErrors).toEqual([{ operation: 'get', policy: 'fail-closed' }]);
  });

  it('applies the policy when the probe election fails', async () => {
    const ctx = setup({ onStoreError: 'fail-closed' });
    await failTimes(ctx, 5);
    ctx.advance(30_000);
    const get = ctx.store.get.bind(ctx.store);
    ctx.store.acquireProbe = async () => {
      throw outage;
    };
    ctx.store.get = get;
    expect(await ctx.run(ok)).toMatchObject({ kind: 'rejected', reason: 'store-unavailable' });
    expect(ctx.rec.storeErrors).toEqual([{ operation: 'acquireProbe', policy: 'fail-closed' }]);
  });

  it('a store error while recording a failure still returns the downstream result', async () => {
    const ctx = setup();
    ctx.store.recordFailure = async () => {
      throw outage;
    };
    expect(await ctx.run(bad)).toMatchObject({ kind: 'executed', result: { ok: false } });
    expect(ctx.rec.storeErrors).toEqual([{ operation: 'recordFailure', policy: 'fail-open' }]);
  });
});

describe('concurrency (atomicity contract)', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup();
  });

  it('50 concurrent failures lose no increment', async () => {
    ctx = setup({ failureThreshold: 1000 });
    await Promise.all(Array.from({ length: 50 }, () => ctx.run(bad)));
    expect([...ctx.rec.failures].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('50 concurrent failing callers open the circuit exactly once', async () => {
    await Promise.all(Array.from({ length: 50 }, () => ctx.run(bad)));
    expect(ctx.rec.path()).toEqual(['closed->open']);
  });
});

describe('record expiry (TTL)', () => {
  it('treats a record past its TTL as absent even before the store deletes it', async () => {
    let now = T0;
    const store = new MemoryCircuitStore(120);
    const rec = recordingObserver();
    const breaker = new CircuitBreaker({ store, config: { ...baseConfig, cooldownMs: 3_600_000 }, clock: () => now, observer: rec.observer });
    for (let i = 0; i < 5; i++) await breaker.execute(KEY, bad, isFailure);
    now += 121_000; // still inside the cool-down, but the record expired
    expect(await breaker.execute(KEY, ok, isFailure)).toMatchObject({ kind: 'executed', role: 'normal' });
  });
});
