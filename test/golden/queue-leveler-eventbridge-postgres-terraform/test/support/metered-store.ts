import type { WorkItem, WorkStore } from '../../src/core/work.js';

/**
 * Wraps a real store: counts the operations in flight (and the most ever seen), the results, and
 * can make the store unavailable for a time window, like an outage or a failover.
 */
export class MeteredStore implements WorkStore {
  inFlight = 0;
  maxInFlight = 0;
  attempts = 0;
  created = 0;
  duplicates = 0;
  rejected = 0;
  #outageUntil = 0;
  #outageAfter = Number.POSITIVE_INFINITY;
  #outageMs = 0;

  constructor(
    private readonly inner: WorkStore,
    private readonly latencyMs = 0,
  ) {}

  /** The store becomes unavailable for `ms` once `afterAttempts` writes have been tried. */
  scheduleOutage(afterAttempts: number, ms: number): void {
    this.#outageAfter = afterAttempts;
    this.#outageMs = ms;
  }

  async put(item: WorkItem): Promise<'created' | 'duplicate'> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      this.attempts += 1;
      if (this.attempts === this.#outageAfter) this.#outageUntil = Date.now() + this.#outageMs;
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      if (Date.now() < this.#outageUntil) {
        this.rejected += 1;
        throw new Error('store unavailable (simulated outage)');
      }
      const result = await this.inner.put(item);
      if (result === 'created') this.created += 1;
      else this.duplicates += 1;
      return result;
    } finally {
      this.inFlight -= 1;
    }
  }
}
