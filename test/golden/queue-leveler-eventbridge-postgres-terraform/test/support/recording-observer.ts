import type { WorkerObserver } from '../../src/core/worker.js';

/** Records what the worker reports, for assertions. */
export function recordingObserver() {
  const events: { kind: keyof WorkerObserver; data: Record<string, unknown> }[] = [];
  const observer = Object.fromEntries(
    (['written', 'duplicate', 'ignored', 'invalid', 'storeError', 'batch'] as const).map((kind) => [kind, (data: Record<string, unknown>) => void events.push({ kind, data })]),
  ) as unknown as WorkerObserver;
  const of = (kind: keyof WorkerObserver) => events.filter((e) => e.kind === kind).map((e) => e.data);
  return { observer, events, of };
}
