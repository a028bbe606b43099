// An event stream that outlives its connections: when tetherd restarts or drops a slow reader, it
// reconnects with backoff and resumes after the last event it handed out (Last-Event-ID), so the
// consumer sees every event once, in order. Stopping it (signal, close, break) is not an error.
import { AbortedError, backoffDelay, sleep, type BackoffPolicy, type Clock } from '@tether/core';
import { ApiError, UnreachableError } from './errors.js';
import type { EventConnection } from './event-connection.js';
import { isAtOrBefore, type EventCursor } from './events.js';
import type { ServerEvent } from './sse-parser.js';

/** A connection that stayed up this long proves health: the next break starts the backoff afresh. */
const HEALTHY_MS = 5_000;

export interface SubscribeOptions {
  /** `'all'`, or an event id to resume after; absent = from now on. @default undefined */
  readonly since?: EventCursor | undefined;
  /** Ends the iteration (quietly) and closes the connection. @default none */
  readonly signal?: AbortSignal | undefined;
  /** Retry even the first connection while tetherd is unreachable, instead of failing at once. @default false */
  readonly waitForDaemon?: boolean | undefined;
  /** The stream broke (or tetherd was not there yet); the next attempt follows after `delayMs`. @default none */
  readonly onReconnecting?: ((info: { readonly attempt: number; readonly delayMs: number; readonly error: Error }) => void) | undefined;
  /** A new connection is open and resumes after `since` (undefined: no position was known yet). @default none */
  readonly onReconnected?: ((info: { readonly attempt: number; readonly since: string | undefined }) => void) | undefined;
}

export interface EventSubscription<Event> extends AsyncIterable<Event>, AsyncDisposable {
  /**
   * Resolves once tetherd has registered the subscription (whatever happens after this is
   * delivered); rejects as the first iteration would (unreachable, refused, aborted).
   */
  ready(): Promise<void>;
  /** The id of the last event handed out (or where the stream started): `since` for a later resume. */
  readonly lastEventId: string | undefined;
  /** Ends the iteration and closes the connection. */
  close(): void;
}

export interface SubscriptionPorts<Event> {
  open(since: EventCursor | undefined, signal: AbortSignal): Promise<EventConnection>;
  /** The consumer's event for a server event, or undefined to pass over it. */
  map(event: ServerEvent): Event | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  readonly backoff: BackoffPolicy;
  /** Where tetherd is, for messages. */
  readonly where: string;
  /** Called once when the subscription has ended, whatever ended it. */
  released(subscription: Subscription<Event>): void;
}

export class Subscription<Event> implements EventSubscription<Event> {
  readonly #ports: SubscriptionPorts<Event>;
  readonly #options: SubscribeOptions;
  readonly #controller = new AbortController();
  readonly #first: Promise<EventConnection | undefined>;
  readonly #onAbort = (): void => this.close();
  #cursor: string | undefined;
  #attempt = 0;
  #iterator: AsyncGenerator<Event, void, undefined> | undefined;
  /** The open connection, if any. */
  #current: EventConnection | undefined;
  #released = false;

  constructor(ports: SubscriptionPorts<Event>, options: SubscribeOptions) {
    this.#ports = ports;
    this.#options = options;
    this.#cursor = options.since === undefined ? undefined : String(options.since);
    if (options.signal?.aborted === true) this.#controller.abort();
    // Connect now, not on the first next(): ready() can then tell when nothing more can be missed.
    this.#first = this.#connectFirst();
    this.#first.catch(() => undefined);
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#controller.signal.aborted) this.close();
  }

  get lastEventId(): string | undefined {
    return this.#cursor;
  }

  /** Whether it has ended (closed, aborted, or its iteration finished). */
  get closed(): boolean {
    return this.#released;
  }

  async ready(): Promise<void> {
    if ((await this.#first) === undefined) throw new AbortedError('the subscription was closed before it opened', { cause: this.#controller.signal.reason });
  }

  close(): void {
    // A suspended iteration, resumed later, finds the signal aborted and ends.
    this.#controller.abort();
    this.#current?.close();
    this.#release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#iterator?.return(undefined);
  }

  [Symbol.asyncIterator](): AsyncGenerator<Event, void, undefined> {
    if (this.#iterator !== undefined) throw new TypeError('an event subscription can be iterated only once');
    this.#iterator = this.#run();
    return this.#iterator;
  }

  async *#run(): AsyncGenerator<Event, void, undefined> {
    const { signal } = this.#controller;
    let connection: EventConnection | undefined;
    try {
      connection = await this.#first;
      while (connection !== undefined) {
        const openedAt = this.#ports.clock.now();
        let lost: Error = new UnreachableError(`tetherd on ${this.#ports.where} ended the event stream`, { target: this.#ports.where, connected: true, ambiguous: false });
        try {
          for await (const raw of connection.events()) {
            // A resumed stream starts after the cursor; anything at or before it was handed out already.
            if (raw.id !== undefined && isAtOrBefore(raw.id, this.#cursor)) continue;
            const event = this.#ports.map(raw);
            this.#advance(connection.lastEventId ?? raw.id);
            if (event !== undefined) yield event;
            if (signal.aborted) return;
          }
        } catch (error) {
          if (!signal.aborted && !retriable(error)) throw error;
          lost = error as Error;
        }
        this.#advance(connection.lastEventId);
        connection.close();
        connection = undefined;
        if (signal.aborted) return;
        if (this.#ports.clock.now() - openedAt >= HEALTHY_MS) this.#attempt = 0;
        connection = await this.#reconnect(lost);
      }
    } finally {
      connection?.close();
      this.#release();
    }
  }

  async #connectFirst(): Promise<EventConnection | undefined> {
    const { signal } = this.#controller;
    try {
      try {
        return this.#unlessStopped(await this.#ports.open(this.#options.since, signal));
      } catch (error) {
        if (signal.aborted) return undefined;
        if (this.#options.waitForDaemon !== true || !retriable(error)) throw error;
        return await this.#reconnect(error as Error);
      }
    } catch (error) {
      // Never opened: it ends here, whether or not anyone iterates it.
      this.#release();
      throw error;
    }
  }

  /** Tries until a connection opens; undefined once stopped. Refusals (4xx) are final. */
  async #reconnect(error: Error): Promise<EventConnection | undefined> {
    const { signal } = this.#controller;
    for (let lastError = error; ; ) {
      const delayMs = backoffDelay(this.#ports.backoff, this.#attempt, this.#ports.random);
      this.#attempt++;
      notify(() => this.#options.onReconnecting?.({ attempt: this.#attempt, delayMs, error: lastError }));
      try {
        await sleep(this.#ports.clock, delayMs, signal);
        const connection = this.#unlessStopped(await this.#ports.open(this.#cursor, signal));
        if (connection === undefined) return undefined;
        notify(() => this.#options.onReconnected?.({ attempt: this.#attempt, since: this.#cursor }));
        return connection;
      } catch (failure) {
        if (signal.aborted) return undefined;
        if (!retriable(failure)) throw failure;
        lastError = failure as Error;
      }
    }
  }

  /** A connection that opened just as the subscription stopped is closed at once; else it is current. */
  #unlessStopped(connection: EventConnection): EventConnection | undefined {
    if (!this.#controller.signal.aborted) {
      this.#advance(connection.lastEventId);
      return (this.#current = connection);
    }
    connection.close();
    return undefined;
  }

  #advance(position: string | undefined): void {
    if (position !== undefined && !isAtOrBefore(position, this.#cursor)) this.#cursor = position;
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#controller.abort();
    this.#ports.released(this);
  }
}

/** tetherd away or failing inside: worth another connection. A refusal (4xx) is not. */
function retriable(error: unknown): boolean {
  return UnreachableError.isInstance(error) || (ApiError.isInstance(error) && error.status >= 500);
}

/** A consumer's callback that throws must not break the stream. */
function notify(callback: () => void): void {
  try {
    callback();
  } catch {
    // isolated on purpose: a notice is never worth an event
  }
}
