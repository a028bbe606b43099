// The daemon's side of the event log: appends commit in call order (at once, where the store is
// synchronous), and each committed event is then announced to the feeds, webhooks and the compat
// endpoint, in id order, once. A reader never sees an event that is not yet durable. Message events
// are committed by the message store in the same transaction as the change they describe.
// With one writer (SQLite) events are announced as they commit. On a shared database other
// instances write too, so the log is tailed instead: every commit, here or there, wakes a reader
// that announces whatever follows the last id it announced (the store makes ids visible in order).
import { Emitter, type Event, type Logger } from '@tether/core';
import type { EventName } from '../protocol/index.js';
import type { EventStore, LoggedEvent, NewEvent } from './ports.js';

const TAIL_PAGE = 500;

export class EventLog {
  readonly #store: EventStore;
  readonly #logger: Logger;
  readonly #logged: Emitter<LoggedEvent>;
  readonly #tail: boolean;
  /** The append in flight on a store that answers asynchronously; the next waits for it. */
  #pending: Promise<unknown> | undefined;
  /** Tail mode: the last id announced, and whether a read is running or wanted. */
  #announced: number | undefined;
  #reading: Promise<void> | undefined;
  #again = false;

  /** `tail`: other instances write to the same log (a shared database). */
  constructor(store: EventStore, logger: Logger, options: { readonly tail?: boolean } = {}) {
    this.#store = store;
    this.#logger = logger;
    this.#logged = new Emitter({ logger, name: 'logged' });
    this.#tail = options.tail ?? false;
  }

  /** Every event once committed, in id order. */
  get logged(): Event<LoggedEvent> {
    return this.#logged.event;
  }

  /** Tail mode: starts announcing what is committed from now on. */
  async start(): Promise<void> {
    if (this.#tail) this.#announced ??= await this.#store.lastId();
  }

  /** Commits one event; undefined when its dedupe key was seen before. */
  append(kind: EventName, at: number, data: unknown, dedupeKey?: string): Promise<LoggedEvent | undefined> {
    const event: NewEvent = { kind, at, data, ...(dedupeKey === undefined ? {} : { dedupeKey }) };
    if (this.#pending === undefined) {
      let result: ReturnType<EventStore['append']>;
      try {
        result = this.#store.append([event]);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!(result instanceof Promise)) return Promise.resolve(this.#committed(result));
      return this.#chain(result);
    }
    return this.#chain(this.#pending.then(() => this.#store.append([event])));
  }

  /** Events the store committed itself (message events, with their change): announced, or read in tail mode. */
  announce(events: readonly LoggedEvent[]): void {
    if (this.#tail) return this.wake();
    for (const event of events) this.#logged.emit(event);
  }

  /** Tail mode: something was committed (here or by another instance); read and announce it. */
  wake(): void {
    if (!this.#tail || this.#announced === undefined) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = this.#read()
      .catch((error: unknown) => this.#logger.error({ err: error }, 'the event log could not be read; the next commit tries again'))
      .finally(() => {
        this.#reading = undefined;
        if (this.#again) this.wake();
      });
  }

  after(id: number, limit: number, kind?: EventName): Promise<LoggedEvent[]> {
    return Promise.resolve(this.#store.after(id, limit, kind));
  }

  lastId(kind?: EventName): Promise<number> {
    return Promise.resolve(this.#store.lastId(kind));
  }

  lastAt(): Promise<number | undefined> {
    return Promise.resolve(this.#store.lastAt());
  }

  countAfter(id: number, kind: EventName): Promise<number> {
    return Promise.resolve(this.#store.countAfter(id, kind));
  }

  /** Resolves once every append made so far is committed (or failed), and announced. */
  async flush(): Promise<void> {
    await this.#pending?.catch(() => undefined);
    await this.#reading;
  }

  async #read(): Promise<void> {
    this.#again = false;
    for (;;) {
      const page = await this.#store.after(this.#announced!, TAIL_PAGE);
      for (const event of page) {
        this.#announced = event.id;
        this.#logged.emit(event);
      }
      if (page.length < TAIL_PAGE) return;
    }
  }

  #chain(pending: Promise<readonly (LoggedEvent | undefined)[]>): Promise<LoggedEvent | undefined> {
    const done = pending.then((result) => this.#committed(result));
    const tail = done.catch(() => undefined);
    this.#pending = tail;
    void tail.then(() => {
      if (this.#pending === tail) this.#pending = undefined;
    });
    return done;
  }

  #committed(result: readonly (LoggedEvent | undefined)[]): LoggedEvent | undefined {
    const [logged] = result;
    if (this.#tail) this.wake();
    else if (logged) this.#logged.emit(logged);
    return logged;
  }
}
