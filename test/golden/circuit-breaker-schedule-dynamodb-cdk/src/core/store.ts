/**
 * Port: where circuit state lives. The breaker (core/breaker.ts) only talks to this
 * interface; each store adapter (DynamoDB, Redis, ...) fills `src/adapters/store.ts`.
 *
 * Every method is ONE atomic operation on the store (a conditional write, an `ADD`,
 * a Lua script). No method may be implemented as read-then-write from the client
 * without a guard, because many Lambda instances call it concurrently.
 *
 * Times are epoch milliseconds supplied by the caller (the breaker's clock), never read
 * from the store's own clock, so tests can drive time and adapters stay deterministic.
 */

/** Stored state. `half-open` means "a probe holds a lease"; see `acquireProbe`. */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitSnapshot {
  readonly state: CircuitState;
  /** Increments on every state transition; guards closed→open against stale callers (ABA). */
  readonly version: number;
  /** When the cool-down ends (open) or ended (half-open). 0 when closed. */
  readonly openUntil: number;
  /** Current probe holder and its lease end (half-open only). */
  readonly probeId?: string;
  readonly probeLeaseUntil?: number;
}

/** The snapshot of a circuit that has never been written, or whose record expired. */
export const INITIAL_SNAPSHOT: CircuitSnapshot = Object.freeze({ state: 'closed', version: 0, openUntil: 0 });

/** Sliding-window geometry: `windowMs / bucketMs` buckets, each `bucketMs` wide. */
export interface WindowSpec {
  readonly nowMs: number;
  readonly windowMs: number;
  readonly bucketMs: number;
}

export interface RecordFailureResult {
  /** False when the circuit was not closed, so the failure was not counted. */
  readonly recorded: boolean;
  /** Failures inside the window after this one (0 when not recorded). */
  readonly failures: number;
  /** State after the operation; its `version` is what `tryOpen` must be guarded by. */
  readonly snapshot: CircuitSnapshot;
}

/** Options every adapter factory accepts (adapter-specific ones are read from env). */
export interface StoreOptions {
  /** Lifetime of a circuit record after its last write; readers treat older records as absent. */
  readonly ttlSeconds: number;
}

export interface CircuitStore {
  /**
   * Strongly consistent read of the circuit. A missing record, or one whose TTL has
   * passed (stores delete late), returns `INITIAL_SNAPSHOT`. Read-only; one round trip.
   */
  get(key: string, nowMs: number): Promise<CircuitSnapshot>;

  /**
   * Atomically, only if the circuit is closed (or absent/expired): add 1 to the counter
   * of the bucket containing `nowMs`, drop buckets that left the window, refresh the TTL,
   * and return the sum of the buckets inside the window *including this increment*.
   * Concurrent callers each observe a distinct sum (no lost increments).
   * If the circuit is open or half-open nothing is counted and `recorded` is false.
   */
  recordFailure(key: string, window: WindowSpec): Promise<RecordFailureResult>;

  /**
   * Compare-and-set closed→open: succeeds only if state is `closed` AND version equals
   * `expectedVersion`. On success sets `openUntil`, bumps the version and clears the
   * window's buckets. Of N concurrent callers with the same version exactly one gets `true`.
   */
  tryOpen(key: string, expectedVersion: number, openUntil: number, nowMs: number): Promise<boolean>;

  /**
   * Probe election: succeeds only if (state is `open` AND `openUntil <= nowMs`) OR
   * (state is `half-open` AND `probeLeaseUntil <= nowMs`, i.e. the previous probe's
   * lease expired). On success sets state `half-open`, `probeId`, `probeLeaseUntil`
   * and bumps the version. Of N concurrent callers exactly one gets `acquired: true`;
   * losers get the current snapshot (best effort) to compute a Retry-After.
   */
  acquireProbe(
    key: string,
    probeId: string,
    leaseUntil: number,
    nowMs: number,
  ): Promise<{ acquired: boolean; snapshot?: CircuitSnapshot }>;

  /**
   * Probe succeeded: only if state is `half-open` AND `probeId` matches, set `closed`,
   * clear probe fields, reset the failure window (buckets older than `nowMs` no longer
   * count) and bump the version. Returns false if the lease was lost to another probe.
   */
  closeFromProbe(key: string, probeId: string, nowMs: number): Promise<boolean>;

  /**
   * Probe failed: only if state is `half-open` AND `probeId` matches, set `open` with a
   * new `openUntil`, clear probe fields and bump the version. False if the lease was lost.
   */
  reopenFromProbe(key: string, probeId: string, openUntil: number, nowMs: number): Promise<boolean>;
}

/** Bucket start (ms) for a timestamp. Shared so every adapter slices time identically. */
export function bucketStart(nowMs: number, bucketMs: number): number {
  return Math.floor(nowMs / bucketMs) * bucketMs;
}

/**
 * Oldest bucket start that still counts: the last `windowMs / bucketMs` buckets, but
 * never buckets that started before the window was last reset (probe success).
 */
export function oldestCountedBucket(window: WindowSpec, windowResetAt: number): number {
  const current = bucketStart(window.nowMs, window.bucketMs);
  const buckets = Math.max(1, Math.ceil(window.windowMs / window.bucketMs));
  const bySize = current - (buckets - 1) * window.bucketMs;
  return Math.max(bySize, bucketStart(windowResetAt, window.bucketMs));
}
