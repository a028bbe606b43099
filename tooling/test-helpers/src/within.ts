// A bounded wait that names what it waited for: a test whose event never comes fails at once with
// "timed out after 20000 ms waiting for <what>", instead of hanging until vitest's own timeout
// with nothing to say about the cause.

/** How long `within` waits unless told otherwise: generous, for a loaded machine. */
export const WITHIN_DEFAULT_MS = 20_000;

/** A wait that ran out: `code` is `wait-timeout`, `what` names what never came. */
export class WaitTimeoutError extends Error {
  readonly code = 'wait-timeout';
  readonly what: string;
  readonly ms: number;

  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
    this.what = what;
    this.ms = ms;
  }
}

/** Resolves or rejects as `promise` does, or rejects with WaitTimeoutError after `ms`; the timer is always cleared. */
export function within<T>(promise: Promise<T>, what: string, ms = WITHIN_DEFAULT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, ms)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}
