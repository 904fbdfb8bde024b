/** The contract of test/support/messages.ts, which the trigger layer provides. */
export interface SampleMessages {
  /** SQS message body of the n-th valid message; the same n gives the same body (a duplicate send). */
  valid(n: number): string;
  /** The work item id the parser must derive from `valid(n)`. */
  idOf(n: number): string;
  /** SQS message body of the n-th invalid ("poison") message; it contains SECRET somewhere. */
  poison(n: number): string;
}

/** Planted in poison messages: it must never appear in a log line. */
export const SECRET = 'secret-token-123';
