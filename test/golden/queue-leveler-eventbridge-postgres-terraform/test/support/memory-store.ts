import type { WorkItem, WorkStore } from '../../src/core/work.js';

/** An idempotent in-memory store with the adapters' contract; `failFor` makes chosen ids fail. */
export class MemoryWorkStore implements WorkStore {
  readonly items = new Map<string, WorkItem>();
  readonly failFor = new Set<string>();
  outage: Error | undefined;

  async put(item: WorkItem): Promise<'created' | 'duplicate'> {
    await new Promise((r) => setImmediate(r));
    if (this.outage) throw this.outage;
    if (this.failFor.has(item.id)) throw new Error(`write of ${item.id} failed`);
    if (this.items.has(item.id)) return 'duplicate';
    this.items.set(item.id, item);
    return 'created';
  }
}
