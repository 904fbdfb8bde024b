/** Exit codes of the CLI: the only numbers a caller can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2, cancelled: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorCode =
  | 'E_USAGE'
  | 'E_MISSING_OPTION'
  | 'E_UNKNOWN_VALUE'
  | 'E_INCOMPATIBLE'
  | 'E_INVALID_NAME'
  | 'E_NPM_SWALLOWED_FLAG'
  | 'E_TARGET_NOT_EMPTY'
  | 'E_TARGET_IS_FILE'
  | 'E_TARGET_UNWRITABLE'
  | 'E_CANCELLED'
  | 'E_WRITE_FAILED'
  | 'E_TEMPLATE'
  | 'E_POST_STEP'
  | 'E_INTERNAL';

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  E_USAGE: EXIT.usage,
  E_MISSING_OPTION: EXIT.usage,
  E_UNKNOWN_VALUE: EXIT.usage,
  E_INCOMPATIBLE: EXIT.usage,
  E_INVALID_NAME: EXIT.usage,
  E_NPM_SWALLOWED_FLAG: EXIT.usage,
  E_TARGET_NOT_EMPTY: EXIT.usage,
  E_TARGET_IS_FILE: EXIT.usage,
  E_TARGET_UNWRITABLE: EXIT.failure,
  E_CANCELLED: EXIT.cancelled,
  E_WRITE_FAILED: EXIT.failure,
  E_TEMPLATE: EXIT.failure,
  E_POST_STEP: EXIT.failure,
  E_INTERNAL: EXIT.failure,
};

/** An expected failure: one line of message, one line of hint, a stable code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = EXIT_BY_CODE[code];
  }
}
