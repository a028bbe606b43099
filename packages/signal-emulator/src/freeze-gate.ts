// The half-open fault: while frozen nothing answers, yet every TCP connection stays open. Work
// waits at the gate and output is held per connection; unfreezing lets both proceed in order.

export class FreezeGate {
  #frozen = false;
  #waiters: (() => void)[] = [];
  readonly #listeners = new Set<() => void>();

  get frozen(): boolean {
    return this.#frozen;
  }

  freeze(): void {
    this.#frozen = true;
  }

  unfreeze(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    for (const listener of [...this.#listeners]) listener();
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  /** Resolves at once when open, otherwise when unfrozen. */
  whenOpen(): Promise<void> {
    if (!this.#frozen) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Called on every unfreeze, before waiting work resumes; returns its own unsubscribe. */
  onUnfreeze(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A stopped process is not frozen: waiting work is abandoned, never resumed. */
  reset(): void {
    this.#frozen = false;
    this.#waiters = [];
  }
}

/** Holds one connection's writes while the gate is frozen and flushes them, in order, after. */
export class GatedWriter<T> {
  #held: T[] = [];
  readonly #unsubscribe: () => void;

  constructor(
    private readonly gate: FreezeGate,
    private readonly write: (item: T) => void,
  ) {
    this.#unsubscribe = gate.onUnfreeze(() => this.#flush());
  }

  send(item: T): void {
    if (this.gate.frozen) this.#held.push(item);
    else this.write(item);
  }

  dispose(): void {
    this.#unsubscribe();
    this.#held = [];
  }

  #flush(): void {
    for (const item of this.#held.splice(0)) this.write(item);
  }
}
