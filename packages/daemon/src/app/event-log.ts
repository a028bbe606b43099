// The daemon's side of the event log: appends commit in call order (at once, where the store is
// synchronous), and each committed event is then announced to the feeds, webhooks and the compat
// endpoint. A reader never sees an event that is not yet durable. Message events are committed by
// the message store in the same transaction as the change they describe, and announced here.
import { Emitter, type Event, type Logger } from '@tether/core';
import type { EventName } from '../protocol/index.js';
import type { EventStore, LoggedEvent, NewEvent } from './ports.js';

export class EventLog {
  readonly #store: EventStore;
  readonly #logged: Emitter<LoggedEvent>;
  /** The append in flight on a store that answers asynchronously; the next waits for it. */
  #tail: Promise<unknown> | undefined;

  constructor(store: EventStore, logger: Logger) {
    this.#store = store;
    this.#logged = new Emitter({ logger, name: 'logged' });
  }

  /** Every event once committed, in id order. */
  get logged(): Event<LoggedEvent> {
    return this.#logged.event;
  }

  /** Commits one event; undefined when its dedupe key was seen before. */
  append(kind: EventName, at: number, data: unknown, dedupeKey?: string): Promise<LoggedEvent | undefined> {
    const event: NewEvent = { kind, at, data, ...(dedupeKey === undefined ? {} : { dedupeKey }) };
    if (this.#tail === undefined) {
      let result: ReturnType<EventStore['append']>;
      try {
        result = this.#store.append([event]);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!(result instanceof Promise)) return Promise.resolve(this.#committed(result));
      return this.#chain(result);
    }
    return this.#chain(this.#tail.then(() => this.#store.append([event])));
  }

  /** Announces events the store committed itself (message events, with their change). */
  announce(events: readonly LoggedEvent[]): void {
    for (const event of events) this.#logged.emit(event);
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

  /** Resolves once every append made so far is committed (or failed). */
  async flush(): Promise<void> {
    await this.#tail?.catch(() => undefined);
  }

  #chain(pending: Promise<readonly (LoggedEvent | undefined)[]>): Promise<LoggedEvent | undefined> {
    const done = pending.then((result) => this.#committed(result));
    const tail = done.catch(() => undefined);
    this.#tail = tail;
    void tail.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    return done;
  }

  #committed(result: readonly (LoggedEvent | undefined)[]): LoggedEvent | undefined {
    const [logged] = result;
    if (logged) this.#logged.emit(logged);
    return logged;
  }
}
