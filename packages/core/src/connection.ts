// The reconnect loop: the imperative shell that runs the link reducer. It owns the timers (retry,
// connect timeout, minimum uptime) and the heartbeat, starts connect attempts on the transport,
// and turns every state change into one typed event. A state change's effects run before anyone
// is told, so a listener can never stall the loop. Nothing here polls.
import { DEFAULT_BACKOFF, backoffPolicy, type BackoffPolicy } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { initialLinkState, transition, type LinkEffect, type LinkEvent, type LinkMachineConfig, type LinkState } from './connection-machine.js';
import { AbortedError, ConnectTimeoutError, TransportError } from './errors.js';
import { Emitter, type Event } from './event.js';
import { Heartbeat } from './heartbeat.js';
import { noopLogger, type Logger } from './logger.js';
import type { ConnectOptions, Link, Receipt } from './transport.js';
import { isLinkUp, type LinkStateKind } from './vocabulary.js';
import { Watchable, type StreamOptions } from './watchable.js';

export interface ConnectionOptions<In> {
  /** Only `connect` and `kind` are used, so a v1 or a v2 transport will do. */
  readonly transport: { readonly kind: string; connect(options: ConnectOptions<In>): Promise<Link> };
  /** Every incoming event, in order. A throw is logged, never propagated. @default ignore */
  readonly onIncoming?: (event: In) => void;
  /** Every delivery or read receipt the transport reports. @default ignore */
  readonly onReceipt?: (receipt: Receipt) => void;
  /** Whether a backlog waits to be sent; decides `syncing` over `connected` on link-up. @default () => false */
  readonly hasBacklog?: () => boolean;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default noopLogger */
  readonly logger?: Logger;
  /** @default DEFAULT_BACKOFF (1 s, ×2, cap 60 s, full jitter) */
  readonly backoff?: BackoffPolicy;
  /** How long the link must stay up before the attempt counter resets. @default 5_000 */
  readonly minUptimeMs?: number;
  /** @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** Idle time before a heartbeat ping. @default 30_000 */
  readonly heartbeatIntervalMs?: number;
  /** Time a ping has to be answered. @default 10_000 */
  readonly heartbeatTimeoutMs?: number;
}

export const CONNECTION_DEFAULTS = Object.freeze({
  minUptimeMs: 5_000,
  connectTimeoutMs: 10_000,
  heartbeatIntervalMs: 30_000,
  heartbeatTimeoutMs: 10_000,
});

/** One state change, as logged and announced. */
export interface LinkChange {
  readonly from: LinkStateKind;
  readonly to: LinkStateKind;
  readonly attempt: number;
  readonly delayMs?: number;
  readonly cause?: string;
  readonly at: number;
  readonly state: LinkState;
}

export class Connection<In> {
  readonly #transport: ConnectionOptions<In>['transport'];
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #config: LinkMachineConfig;
  readonly #connectTimeoutMs: number;
  readonly #heartbeat: { intervalMs: number; timeoutMs: number };
  readonly #onIncoming: (event: In) => void;
  readonly #onReceipt: (receipt: Receipt) => void;
  readonly #hasBacklog: () => boolean;
  readonly #state: Watchable<LinkState>;
  readonly #changes: Emitter<LinkChange>;
  /** The reducer's state; the watchable follows it once a change's effects have run. */
  #current: LinkState;
  /** Changes waiting to be announced, in order, while effects (which may dispatch) run. */
  #announcements: (() => void)[] = [];
  #dispatching = false;
  #started = false;
  #attempt: AbortController | undefined;
  #attemptPromise: Promise<unknown> = Promise.resolve();
  #link: Link | undefined;
  #linkHeartbeat: Heartbeat | undefined;
  #retryTimer: TimerHandle | undefined;
  #stableTimer: TimerHandle | undefined;
  #lastError: string | undefined;
  #lastActivityAt: number | undefined;

  /** Every state change. A listener that throws is logged; the loop goes on. */
  readonly onChange: Event<LinkChange>;

  constructor(options: ConnectionOptions<In>) {
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'connection' });
    this.#config = {
      backoff: backoffPolicy(options.backoff ?? DEFAULT_BACKOFF),
      minUptimeMs: options.minUptimeMs ?? CONNECTION_DEFAULTS.minUptimeMs,
    };
    this.#connectTimeoutMs = options.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs;
    this.#heartbeat = {
      intervalMs: options.heartbeatIntervalMs ?? CONNECTION_DEFAULTS.heartbeatIntervalMs,
      timeoutMs: options.heartbeatTimeoutMs ?? CONNECTION_DEFAULTS.heartbeatTimeoutMs,
    };
    this.#onIncoming = options.onIncoming ?? (() => {});
    this.#onReceipt = options.onReceipt ?? (() => {});
    this.#hasBacklog = options.hasBacklog ?? (() => false);
    this.#current = initialLinkState(this.#clock.now());
    this.#state = new Watchable(this.#current, { logger: this.#logger });
    this.#changes = new Emitter<LinkChange>({ logger: this.#logger, name: 'link change' });
    this.onChange = this.#changes.event;
  }

  get state(): LinkState {
    return this.#current;
  }

  /** The text of the last connect failure or link loss, kept after recovery. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** When the peer last showed a sign of life (an incoming frame, a pong). */
  get lastActivityAt(): number | undefined {
    return this.#lastActivityAt;
  }

  /** The link is up and may carry sends. */
  get isUp(): boolean {
    return isLinkUp(this.#current.kind);
  }

  /** Starts the first connect attempt. Calling it again does nothing. */
  start(): void {
    if (this.#started || this.#current.kind === 'closed') return;
    this.#started = true;
    this.#logger.info({ state: 'connecting', transport: this.#transport.kind }, 'connection starting');
    this.#run({ type: 'connect', attempt: 0 });
  }

  /**
   * Connects again now: leaves the terminal `failed` state (from `connecting`, attempt 0), or cuts
   * a backoff wait short. Does nothing while an attempt runs, while up, or after `close()`.
   */
  reconnect(): void {
    if (!this.#started) return this.start();
    this.#dispatch({ type: 'reconnect', at: this.#clock.now() }, 'reconnect requested');
  }

  /** The current state first, then each new one; ends on `close()` or when `signal` aborts. */
  states(options?: StreamOptions): AsyncIterableIterator<LinkState> {
    return this.#state.stream(options);
  }

  /** The outbox has drained the backlog: `syncing` becomes `connected`. */
  backlogDrained(): void {
    this.#dispatch({ type: 'backlog-drained', at: this.#clock.now() }, undefined);
  }

  /** Stops everything at once: pending waits settle, the link closes, streams end. */
  async close(): Promise<void> {
    this.#dispatch({ type: 'close', at: this.#clock.now() }, 'closed');
    this.#state.end();
    this.#changes.clear();
    await this.#attemptPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #dispatch(event: LinkEvent, cause: string | undefined): void {
    const from = this.#current;
    const { state, effects } = transition(from, event, this.#config);
    this.#current = state;
    if (state !== from) this.#announcements.push(() => this.#announce(from.kind, state, cause));
    // Effects, or listeners, may dispatch again: only the outermost dispatch announces, after
    // its own effects and in order, so nobody hears of a change whose timers are not armed yet.
    if (this.#dispatching) {
      for (const effect of effects) this.#run(effect);
      return;
    }
    this.#dispatching = true;
    try {
      for (const effect of effects) this.#run(effect);
      for (let next = this.#announcements.shift(); next; next = this.#announcements.shift()) next();
    } finally {
      this.#dispatching = false;
    }
  }

  #announce(from: LinkStateKind, state: LinkState, cause: string | undefined): void {
    this.#state.set(state);
    if (state.kind === from) return;
    const change: LinkChange = {
      from,
      to: state.kind,
      attempt: state.attempt,
      at: state.since,
      state,
      ...(state.kind === 'disconnected' ? { delayMs: state.delayMs } : {}),
      ...(cause === undefined ? {} : { cause }),
    };
    const level = state.kind === 'disconnected' ? 'warn' : state.kind === 'failed' ? 'error' : 'info';
    this.#logger[level]({ from: change.from, to: change.to, attempt: change.attempt, delayMs: change.delayMs, cause }, 'connection state changed');
    this.#changes.emit(change);
  }

  #run(effect: LinkEffect): void {
    switch (effect.type) {
      case 'connect':
        return this.#connect();
      case 'abort-connect':
        this.#attempt?.abort(new AbortedError('connection closed'));
        this.#attempt = undefined;
        return;
      case 'close-link':
        return this.#dropLink();
      case 'schedule-retry':
        this.#retryTimer = this.#clock.setTimeout(() => {
          this.#retryTimer = undefined;
          this.#dispatch({ type: 'retry-due', at: this.#clock.now() }, 'backoff elapsed');
        }, effect.delayMs);
        return;
      case 'cancel-retry':
        if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        return;
      case 'schedule-stable':
        this.#stableTimer = this.#clock.setTimeout(() => {
          this.#stableTimer = undefined;
          this.#dispatch({ type: 'stable', at: this.#clock.now() }, undefined);
        }, effect.delayMs);
        return;
      case 'cancel-stable':
        if (this.#stableTimer !== undefined) this.#clock.clearTimeout(this.#stableTimer);
        this.#stableTimer = undefined;
        return;
    }
  }

  #connect(): void {
    const attempt = new AbortController();
    this.#attempt = attempt;
    const timeout = this.#clock.setTimeout(
      () => attempt.abort(new ConnectTimeoutError(`connect did not complete within ${this.#connectTimeoutMs} ms`)),
      this.#connectTimeoutMs,
    );
    let connecting: Promise<Link>;
    try {
      connecting = this.#transport.connect({
        signal: attempt.signal,
        onIncoming: (event) => {
          this.#activity();
          this.#guard(() => this.#onIncoming(event), 'incoming handler failed');
        },
        onActivity: () => this.#activity(),
        onReceipt: (receipt) => {
          this.#activity();
          this.#guard(() => this.#onReceipt(receipt), 'receipt handler failed');
        },
      });
    } catch (error) {
      connecting = Promise.reject(error as Error);
    }
    this.#attemptPromise = connecting.then(
      (link) => {
        this.#clock.clearTimeout(timeout);
        if (this.#attempt !== attempt || attempt.signal.aborted) {
          link.close();
          return;
        }
        this.#attempt = undefined;
        this.#adopt(link);
      },
      (error: unknown) => {
        this.#clock.clearTimeout(timeout);
        if (this.#attempt !== attempt) return;
        this.#attempt = undefined;
        const reason: unknown = attempt.signal.aborted ? attempt.signal.reason : error;
        this.#lastError = describe(reason);
        const at = this.#clock.now();
        if (TransportError.isInstance(reason) && (reason as TransportError).retriable === false) {
          this.#dispatch({ type: 'connect-refused', at, cause: this.#lastError }, this.#lastError);
        } else {
          this.#dispatch({ type: 'connect-failed', at, cause: this.#lastError, random: this.#random() }, this.#lastError);
        }
      },
    );
  }

  #adopt(link: Link): void {
    this.#link = link;
    this.#lastActivityAt = this.#clock.now();
    const ping = link.ping?.bind(link);
    if (ping) {
      this.#linkHeartbeat = new Heartbeat(this.#clock, this.#heartbeat, {
        ping,
        lost: () => this.#lose(link, 'heartbeat-timeout: no answer within the heartbeat timeout'),
      });
    }
    void link.closed.then((closed) => {
      const cause = closed.error ? `${closed.reason}: ${closed.error.message}` : closed.reason;
      this.#lose(link, cause);
    });
    this.#dispatch({ type: 'link-up', at: this.#clock.now(), backlog: this.#hasBacklog() }, 'link ready');
  }

  #lose(link: Link, cause: string): void {
    if (this.#link !== link) return;
    this.#dropLink();
    this.#lastError = cause;
    this.#dispatch({ type: 'link-lost', at: this.#clock.now(), cause, random: this.#random() }, cause);
  }

  #dropLink(): void {
    this.#linkHeartbeat?.stop();
    this.#linkHeartbeat = undefined;
    const link = this.#link;
    this.#link = undefined;
    if (link) this.#guard(() => link.close(), 'closing the link failed');
  }

  #activity(): void {
    this.#lastActivityAt = this.#clock.now();
    this.#linkHeartbeat?.activity();
  }

  #guard(work: () => void, message: string): void {
    try {
      work();
    } catch (error) {
      this.#logger.error({ err: error }, message);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
