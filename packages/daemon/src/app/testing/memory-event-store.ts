// An event store in memory for unit tests of the event log and the feed: the same promises as the
// SQLite one (monotonic ids, refused duplicates, kinds), answering at once or, with `async`, on a
// later turn of the event loop so that tests can interleave appends with reads.
import type { EventName } from '../../protocol/index.js';
import type { EventStore, LoggedEvent, NewEvent } from '../ports.js';

export class MemoryEventStore implements EventStore {
  readonly events: LoggedEvent[] = [];
  readonly #keys = new Set<string>();
  readonly #async: boolean;
  #nextId = 1;
  /** The next append throws this (once). */
  failNext: Error | undefined;

  constructor(options: { readonly async?: boolean } = {}) {
    this.#async = options.async ?? false;
  }

  append(events: readonly NewEvent[]): (LoggedEvent | undefined)[] | Promise<(LoggedEvent | undefined)[]> {
    if (!this.#async) return this.#append(events);
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(this.#append(events));
        } catch (error) {
          reject(error as Error);
        }
      }),
    );
  }

  after(id: number, limit: number, kind?: EventName): LoggedEvent[] | Promise<LoggedEvent[]> {
    const found = this.events.filter((event) => event.id > id && (kind === undefined || event.kind === kind)).slice(0, limit);
    return this.#async ? new Promise((resolve) => setImmediate(() => resolve(found))) : found;
  }

  lastId(kind?: EventName): number {
    return this.events.filter((event) => kind === undefined || event.kind === kind).at(-1)?.id ?? 0;
  }

  lastAt(): number | undefined {
    return this.events.at(-1)?.at;
  }

  countAfter(id: number, kind: EventName): number {
    return this.events.filter((event) => event.id > id && event.kind === kind).length;
  }

  purge(incomingBefore: number, otherBefore: number, limit: number): number {
    const doomed = this.events.filter((event) => event.at < (event.kind === 'incoming' ? incomingBefore : otherBefore)).slice(0, limit);
    for (const event of doomed) this.events.splice(this.events.indexOf(event), 1);
    return doomed.length;
  }

  #append(events: readonly NewEvent[]): (LoggedEvent | undefined)[] {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    return events.map((event) => {
      if (event.dedupeKey !== undefined && this.#keys.has(event.dedupeKey)) return undefined;
      if (event.dedupeKey !== undefined) this.#keys.add(event.dedupeKey);
      const logged: LoggedEvent = { id: this.#nextId++, kind: event.kind, at: event.at, data: JSON.stringify(event.data) };
      this.events.push(logged);
      return logged;
    });
  }
}
