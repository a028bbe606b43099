// What a call can fail with, as branded classes (Symbol.for, so `isInstance` works across duplicate
// installs): tetherd refused the request (ApiError, with the API's code, status and field), tetherd
// could not be reached or broke off (UnreachableError), or it answered something unreadable.
import { TetherError } from '@tether/core';
import type { ErrorCode } from '@tether/daemon/protocol';

const API_BRAND = Symbol.for('tether.client.api-error');
const UNREACHABLE_BRAND = Symbol.for('tether.client.unreachable-error');
const PROTOCOL_BRAND = Symbol.for('tether.client.protocol-error');

const hasBrand = (value: unknown, brand: symbol): boolean => TetherError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[brand] === true;

/** tetherd answered with an error: `{ error: { code, message, field? } }` and an HTTP status. */
export class ApiError extends TetherError {
  readonly [API_BRAND] = true;
  /** The API's code; `http-<status>` when the answer was not the API's error shape (a proxy?). */
  declare readonly code: ErrorCode | `http-${number}`;
  readonly status: number;
  /** The input field at fault, when there is one (for a batch, the item's index). */
  readonly field: string | undefined;

  constructor(status: number, code: ErrorCode | `http-${number}`, message: string, field?: string) {
    super(code, message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
  }

  static override isInstance(value: unknown): value is ApiError {
    return hasBrand(value, API_BRAND);
  }
}

/**
 * tetherd was not there (nothing listens: `connected` false), or the connection broke or stayed
 * silent before an answer. `ambiguous` is true when a request that changes something had been
 * written in full: tetherd may have acted on it (a send made with the same idempotency key is safe
 * to repeat).
 */
export class UnreachableError extends TetherError {
  readonly [UNREACHABLE_BRAND] = true;
  /** The socket path or URL origin that was tried. */
  readonly target: string;
  /** Whether a connection was made before the failure. */
  readonly connected: boolean;
  readonly ambiguous: boolean;

  constructor(message: string, details: { readonly target: string; readonly connected: boolean; readonly ambiguous: boolean; readonly cause?: unknown }) {
    super('unreachable', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UnreachableError';
    this.target = details.target;
    this.connected = details.connected;
    this.ambiguous = details.ambiguous;
  }

  /** The system error code behind it (`ENOENT`, `ECONNREFUSED`, `ECONNRESET` …), if any. */
  get systemCode(): string | undefined {
    const code = (this.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? code : undefined;
  }

  static override isInstance(value: unknown): value is UnreachableError {
    return hasBrand(value, UNREACHABLE_BRAND);
  }
}

/** tetherd (or something in its place) answered in a way the client cannot read. */
export class ProtocolError extends TetherError {
  readonly [PROTOCOL_BRAND] = true;
  /** The HTTP status of the unreadable answer. */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super('protocol', message, options);
    this.name = 'ProtocolError';
    this.status = status;
  }

  static override isInstance(value: unknown): value is ProtocolError {
    return hasBrand(value, PROTOCOL_BRAND);
  }
}

/** The API's error body as an ApiError; any other body keeps the status in an `http-<status>` code. */
export function apiErrorFrom(status: number, text: string): ApiError {
  let error: { code?: unknown; message?: unknown; field?: unknown } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // not the API's shape: fall back to the status below
  }
  if (typeof error !== 'object' || error === null) error = {};
  const code = typeof error.code === 'string' ? (error.code as ErrorCode) : (`http-${status}` as const);
  const message = typeof error.message === 'string' ? error.message : `tetherd answered HTTP ${status}`;
  return new ApiError(status, code, message, typeof error.field === 'string' ? error.field : undefined);
}

/** tetherd was away, restarting or shutting down: not a refusal of the request itself. */
export function isDaemonAway(error: unknown): boolean {
  return UnreachableError.isInstance(error) || (ApiError.isInstance(error) && error.code === 'shutting-down');
}

const CLOSED_BRAND = Symbol.for('tether.client.closed-error');

/** The client was closed: it makes no more calls, and the calls it had open end with this as their cause. */
export class ClosedError extends TetherError {
  readonly [CLOSED_BRAND] = true;

  constructor(message: string) {
    super('closed', message);
    this.name = 'ClosedError';
  }

  static override isInstance(value: unknown): value is ClosedError {
    return hasBrand(value, CLOSED_BRAND);
  }
}
