// Abort plumbing shared by every call: a promise raced against a signal, and the per-call signal
// that either the caller's signal or the client's close() aborts. Listeners go on every path.
import { AbortedError } from '@tether/core';

/** `promise`, or AbortedError as soon as `signal` aborts; the listener is removed either way. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The AbortedError a call rejects with; the signal's reason (a ClosedError after close()) is its cause. */
export function abortedError(signal: AbortSignal): AbortedError {
  return new AbortedError('the call was aborted', { cause: signal.reason });
}

export interface CallOptions {
  /** Aborts the call: it rejects with core's AbortedError. @default none */
  readonly signal?: AbortSignal | undefined;
}

export interface CallScope {
  readonly signal: AbortSignal;
  /** Removes the listener on the caller's signal and forgets the call. */
  dispose(): void;
}

/** The calls in flight, so that close() can abort them all without a listener on a shared signal. */
export class CallScopes {
  readonly #open = new Set<AbortController>();

  open(callerSignal: AbortSignal | undefined): CallScope {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted === true) controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', onAbort, { once: true });
    this.#open.add(controller);
    return {
      signal: controller.signal,
      dispose: () => {
        callerSignal?.removeEventListener('abort', onAbort);
        this.#open.delete(controller);
      },
    };
  }

  abortAll(reason: unknown): void {
    for (const controller of this.#open) controller.abort(reason);
    this.#open.clear();
  }
}
