// The daemon's side of the event log: appends commit in call order (at once, where the store is
// synchronous), and each committed event is then announced to the feeds, webhooks and the compat
// endpoint, in id order, once. A reader never sees an event that is not yet durable. Message events
// are committed by the message store in the same transaction as the change they describe.
// With one writer (SQLite) events are announced as they commit. On a shared database other
// instances write too, so the log is tailed instead: it announces ids in order from the last one
// it announced (the store makes ids visible in order). This instance's own commits are announced
// as they come back, held until the ids before them are announced; another instance's commit (a
// notification), or a gap that this instance's commits do not fill soon (an id a rolled-back
// transaction used), is read from the store.
import { Emitter, systemClock, type Clock, type Event, type Logger, type TimerHandle } from '@tether/core';
import type { EventName } from '../protocol/index.js';
import type { EventStore, LoggedEvent, NewEvent } from './ports.js';

const TAIL_PAGE = 500;
/** How long a gap before this instance's own committed events may wait for another of its own commits. */
const GAP_WAIT_MS = 20;

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
  /** Tail mode: own committed events waiting for the ids before them, by id. */
  readonly #held = new Map<number, LoggedEvent>();
  #gapTimer: TimerHandle | undefined;
  readonly #clock: Clock;

  /** `tail`: other instances write to the same log (a shared database); `clock` times the gap wait. */
  constructor(store: EventStore, logger: Logger, options: { readonly tail?: boolean; readonly clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
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

  /** Events the store committed itself (message events, with their change): announced in id order. */
  announce(events: readonly LoggedEvent[]): void {
    if (!this.#tail) {
      for (const event of events) this.#logged.emit(event);
      return;
    }
    for (const event of events) if (this.#announced === undefined || event.id > this.#announced) this.#held.set(event.id, event);
    this.#advance();
  }

  /**
   * Tail mode: another instance committed (a notification); read and announce it. `upTo`: the
   * highest id it wrote, when known; nothing is read if that was announced already.
   */
  wake(upTo?: number): void {
    if (!this.#tail || this.#announced === undefined) return;
    if (upTo !== undefined && upTo <= this.#announced && this.#reading === undefined) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = this.#read()
      .catch((error: unknown) => this.#logger.error({ err: error }, 'the event log could not be read; the next commit tries again'))
      .finally(() => {
        this.#reading = undefined;
        if (this.#again) this.wake();
        else this.#advance();
      });
  }

  /** Announces held events that follow the last announced id; a gap left waiting is read after a moment. */
  #advance(): void {
    if (this.#reading !== undefined || this.#announced === undefined) return;
    for (let next = this.#held.get(this.#announced + 1); next; next = this.#held.get(this.#announced + 1)) {
      this.#held.delete(next.id);
      this.#announced = next.id;
      this.#logged.emit(next);
    }
    if (this.#held.size > 0 && this.#gapTimer === undefined) {
      this.#gapTimer = this.#clock.setTimeout(() => {
        this.#gapTimer = undefined;
        if (this.#held.size > 0) this.wake();
      }, GAP_WAIT_MS);
    }
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
    // own events still held behind a gap: read past it now rather than after the wait
    if (this.#held.size > 0) this.wake();
    await this.#reading;
  }

  async #read(): Promise<void> {
    this.#again = false;
    for (;;) {
      const page = await this.#store.after(this.#announced!, TAIL_PAGE);
      for (const event of page) {
        if (event.id <= this.#announced!) continue;
        this.#held.delete(event.id);
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
    if (this.#tail) {
      if (logged) this.announce([logged]);
      else this.wake();
    } else if (logged) this.#logged.emit(logged);
    return logged;
  }
}
