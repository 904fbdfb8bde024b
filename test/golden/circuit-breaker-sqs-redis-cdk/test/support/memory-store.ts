import {
  INITIAL_SNAPSHOT,
  bucketStart,
  oldestCountedBucket,
  type CircuitSnapshot,
  type CircuitState,
  type CircuitStore,
  type RecordFailureResult,
  type WindowSpec,
} from '../../src/core/store.js';

interface Record_ {
  state: CircuitState;
  version: number;
  openUntil: number;
  probeId?: string;
  probeLeaseUntil?: number;
  windowResetAt: number;
  expiresAtSec: number;
  buckets: Map<number, number>;
}

/**
 * In-memory CircuitStore honouring the same atomicity contract as the real adapters:
 * each method yields to the event loop first (so concurrent callers interleave like
 * network round trips) and then runs its check-and-write synchronously, i.e. atomically.
 */
export class MemoryCircuitStore implements CircuitStore {
  readonly records = new Map<string, Record_>();
  readonly calls: Record<string, number> = {};
  /** When set, every call rejects with this error (simulates a store outage). */
  outage: Error | undefined;

  constructor(private readonly ttlSeconds = 86_400) {}

  async get(key: string, nowMs: number): Promise<CircuitSnapshot> {
    await this.#enter('get');
    const r = this.#live(key, nowMs);
    return r ? snapshot(r) : INITIAL_SNAPSHOT;
  }

  async recordFailure(key: string, w: WindowSpec): Promise<RecordFailureResult> {
    await this.#enter('recordFailure');
    let r = this.#live(key, w.nowMs);
    if (!r) {
      r = { state: 'closed', version: 0, openUntil: 0, windowResetAt: 0, expiresAtSec: 0, buckets: new Map() };
      this.records.set(key, r);
    }
    if (r.state !== 'closed') return { recorded: false, failures: 0, snapshot: snapshot(r) };
    const current = bucketStart(w.nowMs, w.bucketMs);
    r.buckets.set(current, (r.buckets.get(current) ?? 0) + 1);
    const oldest = oldestCountedBucket(w, r.windowResetAt);
    let failures = 0;
    for (const [start, count] of r.buckets) {
      if (start < oldest) r.buckets.delete(start);
      else failures += count;
    }
    this.#touch(r, w.nowMs);
    return { recorded: true, failures, snapshot: snapshot(r) };
  }

  async tryOpen(key: string, expectedVersion: number, openUntil: number, nowMs: number): Promise<boolean> {
    await this.#enter('tryOpen');
    const r = this.#live(key, nowMs);
    if (!r || r.state !== 'closed' || r.version !== expectedVersion) return false;
    Object.assign(r, { state: 'open', openUntil, version: r.version + 1, probeId: undefined, probeLeaseUntil: undefined });
    r.buckets.clear();
    this.#touch(r, nowMs);
    return true;
  }

  async acquireProbe(key: string, probeId: string, leaseUntil: number, nowMs: number) {
    await this.#enter('acquireProbe');
    const r = this.#live(key, nowMs);
    const eligible =
      !!r &&
      ((r.state === 'open' && r.openUntil <= nowMs) ||
        (r.state === 'half-open' && (r.probeLeaseUntil ?? 0) <= nowMs));
    if (!r || !eligible) return { acquired: false, ...(r ? { snapshot: snapshot(r) } : {}) };
    Object.assign(r, { state: 'half-open', probeId, probeLeaseUntil: leaseUntil, version: r.version + 1 });
    this.#touch(r, nowMs);
    return { acquired: true };
  }

  async closeFromProbe(key: string, probeId: string, nowMs: number): Promise<boolean> {
    await this.#enter('closeFromProbe');
    const r = this.records.get(key);
    if (!r || r.state !== 'half-open' || r.probeId !== probeId) return false;
    Object.assign(r, { state: 'closed', openUntil: 0, windowResetAt: nowMs, version: r.version + 1, probeId: undefined, probeLeaseUntil: undefined });
    r.buckets.clear();
    this.#touch(r, nowMs);
    return true;
  }

  async reopenFromProbe(key: string, probeId: string, openUntil: number, nowMs: number): Promise<boolean> {
    await this.#enter('reopenFromProbe');
    const r = this.records.get(key);
    if (!r || r.state !== 'half-open' || r.probeId !== probeId) return false;
    Object.assign(r, { state: 'open', openUntil, version: r.version + 1, probeId: undefined, probeLeaseUntil: undefined });
    this.#touch(r, nowMs);
    return true;
  }

  /** Total store round trips so far. */
  get roundTrips(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  async #enter(op: string): Promise<void> {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.outage) throw this.outage;
  }

  /** Readers ignore records past their TTL, exactly like the DynamoDB adapter. */
  #live(key: string, nowMs: number): Record_ | undefined {
    const r = this.records.get(key);
    if (r && r.expiresAtSec <= Math.floor(nowMs / 1000)) {
      this.records.delete(key);
      return undefined;
    }
    return r;
  }

  #touch(r: Record_, nowMs: number): void {
    r.expiresAtSec = Math.floor(nowMs / 1000) + this.ttlSeconds;
  }
}

function snapshot(r: Record_): CircuitSnapshot {
  return {
    state: r.state,
    version: r.version,
    openUntil: r.openUntil,
    ...(r.probeId ? { probeId: r.probeId, probeLeaseUntil: r.probeLeaseUntil ?? 0 } : {}),
  };
}
