// A value that changes over time, with listeners and an async-iterable stream per subscriber.
// The stream yields the current value first, then every change; each subscriber has a bounded
// queue that drops its oldest entries when it falls behind (for status, the newest value is what
// matters), so a slow reader never grows memory or slows the writer.
import { Emitter, type Disposer } from './event.js';
import type { Logger } from './logger.js';
import { RingBuffer } from './ring-buffer.js';

export interface StreamOptions {
  readonly signal?: AbortSignal;
  /** How many unread values a subscriber may hold before its oldest are dropped. @default 64 */
  readonly capacity?: number;
}

export class Watchable<T> {
  #value: T;
  readonly #changes: Emitter<T>;
  #enders = new Set<() => void>();
  #ended = false;

  /** `logger` hears about listeners that throw (they never stop a `set`). */
  constructor(initial: T, options: { readonly logger?: Logger } = {}) {
    this.#value = initial;
    this.#changes = new Emitter<T>({ ...options, name: 'watchable' });
  }

  get value(): T {
    return this.#value;
  }

  set(value: T): void {
    if (this.#ended) return;
    this.#value = value;
    this.#changes.emit(value);
  }

  /** Calls `listener` on every change (not with the current value). Returns its disposer. */
  on(listener: (value: T) => void): Disposer {
    return this.#changes.event(listener);
  }

  /** Ends every stream; later `set`s are ignored. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#changes.clear();
    for (const ender of [...this.#enders]) ender();
    this.#enders.clear();
  }

  get ended(): boolean {
    return this.#ended;
  }

  stream(options: StreamOptions = {}): AsyncIterableIterator<T> {
    const queue = new RingBuffer<T>(options.capacity ?? 64, 'drop-oldest');
    queue.push(this.#value);
    const waiters: (() => void)[] = [];
    const wake = (): void => {
      for (const waiter of waiters.splice(0)) waiter();
    };
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      unsubscribe();
      this.#enders.delete(finish);
      options.signal?.removeEventListener('abort', finish);
      wake();
    };
    const unsubscribe = this.on((value) => {
      queue.push(value);
      wake();
    });
    this.#enders.add(finish);
    if (this.#ended || options.signal?.aborted) finish();
    else options.signal?.addEventListener('abort', finish, { once: true });

    const iterator: AsyncIterableIterator<T> = {
      next: async (): Promise<IteratorResult<T>> => {
        while (queue.length === 0 && !done) await new Promise<void>((resolve) => waiters.push(resolve));
        if (queue.length > 0) return { done: false, value: queue.shift() as T };
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<T>> => {
        finish();
        queue.drain();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
