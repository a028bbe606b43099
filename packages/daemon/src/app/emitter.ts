// A stand-in for core's event primitive until it lands: `event` subscribes and returns its
// disposer; `emit` isolates each listener (a throw is reported, never propagated).
export type Disposer = (() => void) & Disposable;
export type Event<T> = (listener: (value: T) => void) => Disposer;

export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  readonly event: Event<T> = (listener) => {
    this.#listeners.add(listener);
    const dispose = (): void => void this.#listeners.delete(listener);
    return Object.assign(dispose, { [Symbol.dispose]: dispose });
  };

  get size(): number {
    return this.#listeners.size;
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
