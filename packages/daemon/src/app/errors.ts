// The daemon's one error for refusals: a code from the protocol's vocabulary, a message written
// for the person who sent the request, and the field it concerns. The app throws these; only
// http/ turns a code into a status (http/status-codes.ts), so the domain never names HTTP.
import { ConflictError, OutboxFullError, TetherError } from '@tether/core';
import type { ErrorCode } from '../protocol/index.js';

export class AppError extends TetherError {
  declare readonly code: ErrorCode;
  readonly field: string | undefined;
  /** Seconds after which trying again may succeed (busy, shutting down). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { readonly field?: string; readonly retryAfterSeconds?: number; readonly cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  static override isInstance(value: unknown): value is AppError {
    return TetherError.isInstance(value) && value instanceof Error && 'field' in value && 'retryAfterSeconds' in value;
  }
}

/** Core's coded errors as the app's: a full outbox and a state conflict keep their meaning. */
export function fromCoreError(error: unknown): unknown {
  if (OutboxFullError.isInstance(error)) return new AppError('outbox-full', error.message, { cause: error });
  if (ConflictError.isInstance(error)) return new AppError('conflict', error.message, { cause: error });
  return error;
}
