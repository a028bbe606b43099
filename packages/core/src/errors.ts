// Branded errors: `isInstance` checks a Symbol.for brand, so it works across duplicate installs
// of this package where `instanceof` would not. Every error has a stable `code`.

const BRAND = Symbol.for('tether.error');

export class TetherError extends Error {
  readonly [BRAND] = true;
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  static isInstance(value: unknown): value is TetherError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

function branded(code: string) {
  return class extends TetherError {
    constructor(message: string, options?: { cause?: unknown }) {
      super(code, message, options);
    }
    static override isInstance(value: unknown): value is TetherError {
      return TetherError.isInstance(value) && value.code === code;
    }
  };
}

/** A wait or an operation was cancelled through its AbortSignal or by `close()`. */
export class AbortedError extends branded('aborted') {}
/** A connect attempt did not complete within the connect timeout. */
export class ConnectTimeoutError extends branded('connect-timeout') {}
/** The outbox holds as many messages as it may; nothing was dropped, the new one was refused. */
export class OutboxFullError extends branded('outbox-full') {}
/** A transport could not do what was asked (connect refused, protocol error, wrong mode …). */
export class TransportError extends branded('transport') {
  /**
   * True when retrying later may succeed; false when only a change of configuration can help (a
   * bad token, a revoked account, a backend in the wrong mode). A connect that rejects with a
   * non-retriable TransportError puts the link in the terminal `failed` state.
   */
  retriable: boolean;

  constructor(message: string, options?: { readonly cause?: unknown; readonly retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options?.retriable ?? true;
  }
}
/** The request conflicts with the current state (cancel a message that is sending, unknown id …). */
export class ConflictError extends branded('conflict') {}
