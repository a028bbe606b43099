// The one error type commands throw to end the run: it carries the exit code (DECISIONS.md §9)
// and a message for people, plus an optional JSON body for `--json`. Only the shell catches it.

/** 0 success, 1 the operation failed, 2 bad usage or input, 3 daemon unreachable. */
export type ExitCode = 0 | 1 | 2 | 3;

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const satisfies Record<string, ExitCode>;

const BRAND = Symbol.for('@tether/cli/ExitError');

export class ExitError extends Error {
  override readonly name = 'ExitError';
  readonly [BRAND] = true;
  /** The input field at fault, when there is one (as in the API's errors). */
  readonly field: string | undefined;

  constructor(
    readonly code: ExitCode,
    message: string,
    /** A stable machine-readable reason, e.g. `invalid-recipient` or an API error code. */
    readonly reason = 'error',
    options: { readonly cause?: unknown; readonly field?: string | undefined } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
  }

  /** True for an ExitError from any copy of this package (duplicate installs). */
  static isInstance(value: unknown): value is ExitError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** The API's error shape, so `--json` errors read like the daemon's. */
  toJson(): { error: { code: string; message: string; field?: string; exitCode: ExitCode } } {
    return { error: { code: this.reason, message: this.message, ...(this.field === undefined ? {} : { field: this.field }), exitCode: this.code } };
  }
}

export const usageError = (message: string, reason = 'usage', field?: string): ExitError => new ExitError(EXIT.usage, message, reason, { field });
