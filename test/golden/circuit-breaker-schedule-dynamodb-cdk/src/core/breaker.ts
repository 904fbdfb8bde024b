import { randomUUID } from 'node:crypto';
import type { BreakerConfig } from './config.js';
import type { CircuitSnapshot, CircuitState, CircuitStore } from './store.js';

/**
 * The circuit-breaker state machine. Store-agnostic: every state change is delegated to
 * one atomic `CircuitStore` operation, so any number of concurrent Lambda instances agree.
 *
 *   closed ──(failures in window ≥ threshold)──▶ open ──(cool-down over, probe elected)──▶ half-open
 *   half-open ──(probe healthy)──▶ closed        half-open ──(probe fails)──▶ open
 *
 * Closed happy path: exactly one store round trip (the consistent read).
 */

export type Clock = () => number;

export interface TransitionEvent {
  readonly key: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: string;
}

export type StoreOperation = 'get' | 'recordFailure' | 'tryOpen' | 'acquireProbe' | 'closeFromProbe' | 'reopenFromProbe';

/** Hooks for logs and metrics; core/telemetry.ts provides the Powertools implementation. */
export interface BreakerObserver {
  transition(event: TransitionEvent): void;
  rejected(event: { key: string; reason: RejectReason; retryAfterSeconds: number }): void;
  failureRecorded(event: { key: string; failures: number; threshold: number }): void;
  storeError(event: { key: string; operation: StoreOperation; policy: BreakerConfig['onStoreError']; error: unknown }): void;
  probeLeaseLost(event: { key: string; probeId: string }): void;
}

export type RejectReason = 'open' | 'probe-in-flight' | 'store-unavailable';

export type BreakerResult<R> =
  | { readonly kind: 'executed'; readonly result: R; readonly role: 'normal' | 'probe' | 'bypass' }
  | { readonly kind: 'rejected'; readonly reason: RejectReason; readonly retryAfterSeconds: number };

export interface BreakerDeps {
  readonly store: CircuitStore;
  readonly config: BreakerConfig;
  readonly clock?: Clock;
  readonly observer?: BreakerObserver;
  readonly newProbeId?: () => string;
}

const noop = () => {};
export const silentObserver: BreakerObserver = {
  transition: noop, rejected: noop, failureRecorded: noop, storeError: noop, probeLeaseLost: noop,
};

export class CircuitBreaker {
  readonly #store: CircuitStore;
  readonly #config: BreakerConfig;
  readonly #clock: Clock;
  readonly #observer: BreakerObserver;
  readonly #newProbeId: () => string;

  constructor(deps: BreakerDeps) {
    this.#store = deps.store;
    this.#config = deps.config;
    this.#clock = deps.clock ?? Date.now;
    this.#observer = deps.observer ?? silentObserver;
    this.#newProbeId = deps.newProbeId ?? randomUUID;
  }

  /**
   * Runs `call` if the circuit allows it. `isFailure` decides which results are health
   * failures; a thrown error is always a failure and is re-thrown after being recorded.
   */
  async execute<R>(key: string, call: () => Promise<R>, isFailure: (result: R) => boolean): Promise<BreakerResult<R>> {
    const now = this.#clock();
    let snapshot: CircuitSnapshot;
    try {
      snapshot = await this.#store.get(key, now);
    } catch (error) {
      return this.#storeUnavailable(key, 'get', error, call);
    }

    if (snapshot.state === 'closed') return this.#runClosed(key, call, isFailure);
    if (snapshot.state === 'open' && now < snapshot.openUntil) {
      return this.#reject(key, 'open', snapshot.openUntil - now);
    }
    if (snapshot.state === 'half-open' && (snapshot.probeLeaseUntil ?? 0) > now) {
      return this.#reject(key, 'probe-in-flight', (snapshot.probeLeaseUntil ?? now) - now);
    }
    return this.#tryProbe(key, snapshot, call, isFailure);
  }

  async #runClosed<R>(key: string, call: () => Promise<R>, isFailure: (r: R) => boolean): Promise<BreakerResult<R>> {
    const outcome = await settle(call);
    if (!outcome.ok || isFailure(outcome.value)) await this.#recordFailure(key);
    return unwrap(outcome, 'normal');
  }

  async #recordFailure(key: string): Promise<void> {
    const { failureThreshold, windowMs, bucketMs, cooldownMs } = this.#config;
    const now = this.#clock();
    try {
      const result = await this.#store.recordFailure(key, { nowMs: now, windowMs, bucketMs });
      if (!result.recorded) return; // the circuit left `closed` while we were calling
      this.#observer.failureRecorded({ key, failures: result.failures, threshold: failureThreshold });
      if (result.failures < failureThreshold) return;
      const won = await this.#guard(key, 'tryOpen', () =>
        this.#store.tryOpen(key, result.snapshot.version, now + cooldownMs, now),
      );
      if (won) {
        this.#observer.transition({
          key, from: 'closed', to: 'open',
          reason: `${result.failures} failures within ${windowMs / 1000}s (threshold ${failureThreshold})`,
        });
      }
    } catch (error) {
      // The downstream call already happened; the policy only decides whether calls are let through.
      this.#observer.storeError({ key, operation: 'recordFailure', policy: this.#config.onStoreError, error });
    }
  }

  async #tryProbe<R>(
    key: string,
    snapshot: CircuitSnapshot,
    call: () => Promise<R>,
    isFailure: (r: R) => boolean,
  ): Promise<BreakerResult<R>> {
    const now = this.#clock();
    const probeId = this.#newProbeId();
    let election: Awaited<ReturnType<CircuitStore['acquireProbe']>>;
    try {
      election = await this.#store.acquireProbe(key, probeId, now + this.#config.probeLeaseMs, now);
    } catch (error) {
      return this.#storeUnavailable(key, 'acquireProbe', error, call);
    }
    if (!election.acquired) return this.#reject(key, 'probe-in-flight', retryAfterMs(election.snapshot, now));

    this.#observer.transition({
      key, from: snapshot.state, to: 'half-open',
      reason: snapshot.state === 'half-open' ? 'previous probe lease expired' : 'cool-down elapsed',
    });
    const outcome = await settle(call);
    const healthy = outcome.ok && !isFailure(outcome.value);
    const done = this.#clock();
    const kept = healthy
      ? await this.#guard(key, 'closeFromProbe', () => this.#store.closeFromProbe(key, probeId, done))
      : await this.#guard(key, 'reopenFromProbe', () =>
          this.#store.reopenFromProbe(key, probeId, done + this.#config.cooldownMs, done),
        );
    if (kept) {
      this.#observer.transition(
        healthy
          ? { key, from: 'half-open', to: 'closed', reason: 'probe succeeded' }
          : { key, from: 'half-open', to: 'open', reason: 'probe failed' },
      );
    } else if (kept === false) {
      this.#observer.probeLeaseLost({ key, probeId });
    }
    return unwrap(outcome, 'probe');
  }

  /** Store failure after the call: log and count it, never fail the caller's request. */
  async #guard(key: string, operation: StoreOperation, op: () => Promise<boolean>): Promise<boolean | undefined> {
    try {
      return await op();
    } catch (error) {
      this.#observer.storeError({ key, operation, policy: this.#config.onStoreError, error });
      return undefined;
    }
  }

  async #storeUnavailable<R>(key: string, operation: StoreOperation, error: unknown, call: () => Promise<R>): Promise<BreakerResult<R>> {
    const policy = this.#config.onStoreError;
    this.#observer.storeError({ key, operation, policy, error });
    if (policy === 'fail-closed') return this.#reject(key, 'store-unavailable', this.#config.cooldownMs);
    return unwrap(await settle(call), 'bypass');
  }

  #reject(key: string, reason: RejectReason, retryInMs: number): BreakerResult<never> {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryInMs / 1000));
    this.#observer.rejected({ key, reason, retryAfterSeconds });
    return { kind: 'rejected', reason, retryAfterSeconds };
  }
}

function retryAfterMs(snapshot: CircuitSnapshot | undefined, now: number): number {
  if (snapshot?.state === 'open' && snapshot.openUntil > now) return snapshot.openUntil - now;
  if (snapshot?.state === 'half-open' && (snapshot.probeLeaseUntil ?? 0) > now) return (snapshot.probeLeaseUntil ?? now) - now;
  return 1000;
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

async function settle<R>(call: () => Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

function unwrap<R>(outcome: Settled<R>, role: 'normal' | 'probe' | 'bypass'): BreakerResult<R> {
  if (!outcome.ok) throw outcome.error;
  return { kind: 'executed', result: outcome.value, role };
}
