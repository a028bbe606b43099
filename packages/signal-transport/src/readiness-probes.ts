// Readiness probes of one transport, whoever asks for them: each answer goes to the listeners
// (the loss windows), and while a link is up a probe runs at least every interval even when
// nobody asks (the send gate stops probing while it is paused for something else).
import type { Logger } from '@tether/core';

/** One readiness probe's answer. */
export interface ProbeResult {
  readonly ready: boolean;
  /**
   * When the probe was sent. A good answer proves the backend alive at some moment after this,
   * not at the moment it arrived: a loss window that follows must start no later than here.
   */
  readonly startedAt: number;
}

export class ReadinessProbes {
  readonly #listeners = new Set<(result: ProbeResult) => void>();
  #linkUp = false;
  #running = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly check: (signal: AbortSignal) => Promise<boolean>,
    private readonly intervalMs: number | undefined,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  onResult(listener: (result: ProbeResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs one probe now and tells the listeners. */
  async run(signal: AbortSignal): Promise<boolean> {
    this.#arm();
    this.#running = true;
    const startedAt = this.now();
    let ready: boolean;
    try {
      ready = await this.check(signal);
    } finally {
      this.#running = false;
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener({ ready, startedAt });
      } catch (error) {
        this.logger.error({ err: error }, 'probe listener failed');
      }
    }
    return ready;
  }

  linkUp(): void {
    this.#linkUp = true;
    this.#arm();
  }

  linkDown(): void {
    this.#linkUp = false;
    clearTimeout(this.#timer);
  }

  /** The next own probe, one interval after the last one that started (anyone's). */
  #arm(): void {
    const interval = this.intervalMs;
    clearTimeout(this.#timer);
    if (interval === undefined || !this.#linkUp) return;
    this.#timer = setTimeout(() => {
      // One still running past the interval answers for itself (it times out as not ready).
      if (this.#running) this.#arm();
      else void this.run(AbortSignal.timeout(interval));
    }, interval);
    this.#timer.unref();
  }
}
