// The send gate: whether the outbox may send now, apart from whether the link is up. Send
// outcomes and readiness probes pause it; timers, probes and the operator reopen it. A pause has a
// reason and, where known, an until-time. Its backoffs (rate limits, not-ready probes) are its
// own, separate from the link's. A change's timers are armed before anyone is told of it.
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { sleep, systemClock, type Clock, type TimerHandle } from './clock.js';
import { Emitter, type Event } from './event.js';
import { noopLogger, type Logger } from './logger.js';
import type { GateReason } from './vocabulary.js';
import { Watchable, type StreamOptions } from './watchable.js';

export type { GateReason } from './vocabulary.js';

export type GateState =
  | { readonly state: 'open'; readonly since: number }
  | {
      readonly state: 'paused';
      readonly reason: GateReason;
      readonly since: number;
      readonly until?: number;
      readonly challengeToken?: string;
      readonly error?: string;
    };

export interface GateChange {
  readonly from: GateState;
  readonly to: GateState;
  readonly cause: string;
}

export interface PauseDetails {
  /** How long the backend asked us to wait (Retry-After). */
  readonly retryAfterMs?: number;
  readonly challengeToken?: string;
  readonly error?: string;
}

export interface SendGateOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default noopLogger */
  readonly logger?: Logger;
  /** Readiness probe (true = can send). Without it, a not-ready pause simply retries on its backoff. */
  readonly probe?: (signal: AbortSignal) => Promise<boolean>;
  /** Backoff for rate limits without Retry-After. @default 30 s, ×2, cap 1 h, equal jitter */
  readonly rateLimitBackoff?: BackoffPolicy;
  /** Backoff between readiness probes while paused `backend-not-ready`. @default 1 s, ×2, cap 60 s, equal jitter */
  readonly probeBackoff?: BackoffPolicy;
  /**
   * Backoff between attempts while the backend refuses our credentials (`unauthorized`).
   * @default 30 s, ×2, cap 10 min, equal jitter
   */
  readonly unauthorizedBackoff?: BackoffPolicy;
  /** How long a send timeout pauses sending (the first send may still run in the backend). @default 5_000 */
  readonly sendTimeoutPauseMs?: number;
  /** A probe that has not answered by then counts as not ready. @default 10_000 */
  readonly probeTimeoutMs?: number;
}

export const SEND_GATE_DEFAULTS = Object.freeze({
  rateLimitBackoff: Object.freeze({ initialMs: 30_000, factor: 2, maxMs: 3_600_000, jitter: 'equal' }) as BackoffPolicy,
  probeBackoff: Object.freeze({ initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'equal' }) as BackoffPolicy,
  unauthorizedBackoff: Object.freeze({ initialMs: 30_000, factor: 2, maxMs: 600_000, jitter: 'equal' }) as BackoffPolicy,
  sendTimeoutPauseMs: 5_000,
  probeTimeoutMs: 10_000,
});

export class SendGate {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #probe: ((signal: AbortSignal) => Promise<boolean>) | undefined;
  readonly #rateLimitBackoff: BackoffPolicy;
  readonly #probeBackoff: BackoffPolicy;
  readonly #unauthorizedBackoff: BackoffPolicy;
  readonly #sendTimeoutPauseMs: number;
  readonly #probeTimeoutMs: number;
  readonly #state: Watchable<GateState>;
  readonly #changes: Emitter<GateChange>;
  /** The gate's state; the watchable follows it once the state's timers are armed. */
  #current: GateState;
  #rateLimitStreak = 0;
  #unauthorizedStreak = 0;
  /** Consecutive not-ready pauses: the probe backoff continues across them until a send succeeds. */
  #notReadyStreak = 0;
  #timer: TimerHandle | undefined;
  #probing: AbortController | undefined;
  #closed = new AbortController();

  constructor(options: SendGateOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'send-gate' });
    this.#probe = options.probe;
    this.#rateLimitBackoff = options.rateLimitBackoff ?? SEND_GATE_DEFAULTS.rateLimitBackoff;
    this.#probeBackoff = options.probeBackoff ?? SEND_GATE_DEFAULTS.probeBackoff;
    this.#unauthorizedBackoff = options.unauthorizedBackoff ?? SEND_GATE_DEFAULTS.unauthorizedBackoff;
    this.#sendTimeoutPauseMs = options.sendTimeoutPauseMs ?? SEND_GATE_DEFAULTS.sendTimeoutPauseMs;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? SEND_GATE_DEFAULTS.probeTimeoutMs;
    this.#current = { state: 'open', since: this.#clock.now() };
    this.#state = new Watchable<GateState>(this.#current, { logger: this.#logger });
    this.#changes = new Emitter<GateChange>({ logger: this.#logger, name: 'gate change' });
    this.onChange = this.#changes.event;
  }

  /** Every change of the gate. A listener that throws is logged; the gate's timers run regardless. */
  readonly onChange: Event<GateChange>;

  get state(): GateState {
    return this.#current;
  }

  get isOpen(): boolean {
    return this.#current.state === 'open';
  }

  states(options?: StreamOptions): AsyncIterableIterator<GateState> {
    return this.#state.stream(options);
  }

  /**
   * Pauses sending. A captcha pause holds until `open()`; the others reopen by themselves (after
   * Retry-After or the gate's backoffs, after the send-timeout pause, or when a probe succeeds).
   */
  pause(reason: GateReason, details: PauseDetails = {}): void {
    if (this.#closed.signal.aborted) return;
    const current = this.#current;
    if (current.state === 'paused' && current.reason === 'captcha-required' && reason !== 'captcha-required') return;
    this.#cancelTimers();
    const now = this.#clock.now();
    const until = this.#untilFor(reason, now, details.retryAfterMs);
    const announce = this.#set(
      {
        state: 'paused',
        reason,
        since: now,
        ...(until === undefined ? {} : { until }),
        ...(details.challengeToken === undefined ? {} : { challengeToken: details.challengeToken }),
        ...(details.error === undefined ? {} : { error: details.error }),
      },
      details.error ?? reason,
    );
    if (reason === 'backend-not-ready') this.#probeUntilReady();
    else if (until !== undefined) this.#timer = this.#clock.setTimeout(() => this.open(`${reason} pause elapsed`), until - now);
    announce();
  }

  /** Reopens the gate (a solved challenge, an operator's word, a timer). */
  open(cause: string): void {
    if (this.#closed.signal.aborted || this.isOpen) return;
    this.#cancelTimers();
    this.#set({ state: 'open', since: this.#clock.now() }, cause)();
  }

  /** A send went through: every gate backoff starts from the beginning next time. */
  recordSuccess(): void {
    this.#rateLimitStreak = 0;
    this.#notReadyStreak = 0;
    this.#unauthorizedStreak = 0;
  }

  /** Runs the readiness probe once now; a failing probe pauses the gate `backend-not-ready`. */
  async checkReadiness(): Promise<void> {
    if (!this.#probe || this.#closed.signal.aborted) return;
    const ready = await this.#safeProbe(this.#closed.signal);
    if (!ready && !this.#closed.signal.aborted && this.isOpen) this.pause('backend-not-ready', { error: 'readiness probe failed' });
  }

  close(): void {
    this.#closed.abort();
    this.#cancelTimers();
    this.#state.end();
    this.#changes.clear();
  }

  #untilFor(reason: GateReason, now: number, retryAfterMs: number | undefined): number | undefined {
    switch (reason) {
      case 'rate-limited': {
        const delay = retryAfterMs ?? backoffDelay(this.#rateLimitBackoff, this.#rateLimitStreak, this.#random);
        this.#rateLimitStreak++;
        return now + delay;
      }
      case 'unauthorized':
        return now + backoffDelay(this.#unauthorizedBackoff, this.#unauthorizedStreak++, this.#random);
      case 'send-timeout':
        return now + this.#sendTimeoutPauseMs;
      case 'captcha-required':
      case 'backend-not-ready':
        return undefined;
      default: {
        // a new reason must say here how it reopens: a timer (a time), a probe or the operator (undefined)
        const unplanned: never = reason;
        throw new Error(`no pause policy for the gate reason ${String(unplanned)}`);
      }
    }
  }

  #probeUntilReady(): void {
    const probing = new AbortController();
    this.#probing = probing;
    const signal = AbortSignal.any([probing.signal, this.#closed.signal]);
    void (async () => {
      for (;;) {
        await sleep(this.#clock, backoffDelay(this.#probeBackoff, this.#notReadyStreak++, this.#random), signal);
        if (!this.#probe || (await this.#safeProbe(signal))) break;
      }
      if (this.#probing === probing) this.open('readiness probe succeeded');
    })().catch(() => {
      // aborted: replaced by another pause, opened by hand, or closed
    });
  }

  /** Runs the probe with a deadline: a backend that hangs (a dead signal-cli behind a live REST server) is not ready. */
  async #safeProbe(signal: AbortSignal): Promise<boolean> {
    const deadline = new AbortController();
    const abort = (): void => deadline.abort();
    signal.addEventListener('abort', abort, { once: true });
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        deadline.abort();
        resolve(false);
      }, this.#probeTimeoutMs);
    });
    try {
      return await Promise.race([this.#probe!(deadline.signal), timedOut]);
    } catch (error) {
      this.#logger.debug({ err: error }, 'readiness probe threw');
      return false;
    } finally {
      this.#clock.clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    }
  }

  #cancelTimers(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#probing?.abort();
    this.#probing = undefined;
  }

  /** Takes the new state now; returns the announcement, to make once the state's timers are armed. */
  #set(to: GateState, cause: string): () => void {
    const from = this.#current;
    this.#current = to;
    return () => {
      this.#state.set(to);
      const level = to.state === 'paused' ? 'warn' : 'info';
      this.#logger[level](
        { from: from.state === 'paused' ? from.reason : 'open', to: to.state === 'paused' ? to.reason : 'open', until: to.state === 'paused' ? to.until : undefined, cause },
        'send gate changed',
      );
      this.#changes.emit({ from, to, cause });
    };
  }
}
