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
  /** The probe in flight, if any. */
  #running: Promise<boolean> | undefined;
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

  /**
   * Runs one probe now and tells the listeners. A probe asked for while another is running shares
   * its answer (the gate's periodic probe and this one's own timer come due together) rather than
   * sending a second request; the caller's signal still ends its own wait.
   */
  run(signal: AbortSignal): Promise<boolean> {
    const running = this.#running;
    if (running === undefined) return this.#start(signal);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      running.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async #start(signal: AbortSignal): Promise<boolean> {
    this.#arm();
    const startedAt = this.now();
    const running = this.check(signal);
    this.#running = running;
    let ready: boolean;
    try {
      ready = await running;
    } finally {
      this.#running = undefined;
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
      if (this.#running !== undefined) this.#arm();
      else void this.run(AbortSignal.timeout(interval));
    }, interval);
    this.#timer.unref();
  }
}
