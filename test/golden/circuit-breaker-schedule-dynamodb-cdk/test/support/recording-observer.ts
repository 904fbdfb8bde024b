import type { BreakerObserver, TransitionEvent } from '../../src/core/breaker.js';

/** Collects breaker events so tests can assert on transitions and store errors. */
export function recordingObserver() {
  const transitions: TransitionEvent[] = [];
  const rejections: { reason: string; retryAfterSeconds: number }[] = [];
  const storeErrors: { operation: string; policy: string }[] = [];
  const leaseLost: string[] = [];
  const failures: number[] = [];
  const observer: BreakerObserver = {
    transition: (e) => transitions.push(e),
    rejected: (e) => rejections.push({ reason: e.reason, retryAfterSeconds: e.retryAfterSeconds }),
    failureRecorded: (e) => failures.push(e.failures),
    storeError: (e) => storeErrors.push({ operation: e.operation, policy: e.policy }),
    probeLeaseLost: (e) => leaseLost.push(e.probeId),
  };
  const path = () => transitions.map((t) => `${t.from}->${t.to}`);
  return { observer, transitions, rejections, storeErrors, leaseLost, failures, path };
}
