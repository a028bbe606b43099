// An async queue for test clients: items are pushed as they arrive and awaited in order, so a
// test waits for the event it expects instead of sleeping.

export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #waiters: { resolve: (item: T) => void; reject: (error: Error) => void }[] = [];
  #closed: Error | undefined;

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter.resolve(item);
  }

  /** Fails every pending and future `next()` (for example when the connection closes). */
  close(error: Error): void {
    this.#closed = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  next(): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  get buffered(): readonly T[] {
    return this.#items;
  }
}

/** Tracks whether a promise has settled, to show that something is still pending. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/**
 * Only for asserting that something does NOT happen (no event can signal an absence): gives the
 * event loop and the loopback network a short, bounded chance to do the wrong thing.
 */
export function quietPeriod(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
