// signal-cli-rest-api's one TCP connection to its signal-cli daemon (R:src/client/jsonrpc2.go:79-101,
// 221-237 at a08db23). When signal-cli dies, REST closes it and redials at once and then every
// 2 s, 15 attempts in all, then exits (log.Fatal). Each restart is a new generation: an answer
// from an older one never reaches its HTTP request (the response channel is orphaned).

export type SignalCliLinkState = 'connected' | 'redialing' | 'exited';

/** Dial attempts before REST gives up (`r.Dial(r.address, 15)`). */
export const redialAttempts = 15;

export class SignalCliLink {
  #state: SignalCliLinkState = 'connected';
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #settle: ((state: SignalCliLinkState) => void) | undefined;

  constructor(private readonly redialIntervalMs: number) {}

  get state(): SignalCliLinkState {
    return this.#state;
  }

  /** Changes with every loss of signal-cli: requests forwarded in an older generation are never answered. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * signal-cli dies now and listens again after `downMs`. REST reconnects on its first dial at or
   * after that moment (attempt k at k × interval), or exits after the last attempt failed.
   * Resolves with the end state.
   */
  lose(downMs: number): Promise<SignalCliLinkState> {
    this.#finish('redialing');
    this.#state = 'redialing';
    this.#generation += 1;
    const attempt = Math.ceil(downMs / this.redialIntervalMs);
    const reconnects = attempt < redialAttempts;
    const afterMs = (reconnects ? attempt : redialAttempts) * this.redialIntervalMs;
    return new Promise((resolve) => {
      this.#settle = resolve;
      this.#timer = setTimeout(() => this.#finish(reconnects ? 'connected' : 'exited'), afterMs);
    });
  }

  /** Ends a gap at once (clearFaults, a restart of the emulator): connected again. */
  reset(): void {
    this.#finish('connected');
  }

  #finish(state: SignalCliLinkState): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#state = state;
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(state);
  }
}
