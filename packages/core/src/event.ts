// The one event primitive of core (cockatiel's `Event` is the model): an `Event<T>` is a function
// that subscribes a listener and returns its disposer. An `Emitter` isolates each listener: a
// listener that throws is logged and never stops the emitter's own work, nor the other listeners.
import { noopLogger, type Logger } from './logger.js';

/** Unsubscribes when called; also usable with `using`. Calling it twice does nothing more. */
export type Disposer = (() => void) & Disposable;

/** Subscribes `listener` to every value emitted from now on. */
export type Event<T> = (listener: (value: T) => void) => Disposer;

export interface EmitterOptions {
  /** Where a throwing listener is reported (`error`, with `err`). @default noopLogger */
  readonly logger?: Logger;
  /** Names the event in that report. @default 'event' */
  readonly name?: string;
}

/** Makes a disposer from an unsubscribe function. */
export function disposer(unsubscribe: () => void): Disposer {
  let done = false;
  const dispose = (): void => {
    if (done) return;
    done = true;
    unsubscribe();
  };
  return Object.assign(dispose, { [Symbol.dispose]: dispose });
}

export class Emitter<T> {
  // One entry per subscription, so the same function subscribed twice is called twice and each
  // disposer removes only its own subscription.
  readonly #listeners = new Set<{ readonly listener: (value: T) => void }>();
  readonly #logger: Logger;
  readonly #name: string;

  constructor(options: EmitterOptions = {}) {
    this.#logger = options.logger ?? noopLogger;
    this.#name = options.name ?? 'event';
  }

  /** The subscribe function to hand out (`readonly onChange = this.#changes.event`). */
  readonly event: Event<T> = (listener) => {
    const entry = { listener };
    this.#listeners.add(entry);
    return disposer(() => this.#listeners.delete(entry));
  };

  /** How many listeners are subscribed. */
  get size(): number {
    return this.#listeners.size;
  }

  /**
   * Calls every listener subscribed when the emit began, in subscription order. A throw is
   * logged and the next listener is called; nothing propagates to the caller.
   */
  emit(value: T): void {
    for (const { listener } of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.#logger.error({ err: error, event: this.#name }, 'event listener failed');
      }
    }
  }

  /** Unsubscribes everyone (on close). */
  clear(): void {
    this.#listeners.clear();
  }
}
