// The durable event log behind `GET /v1/events`, `tether receive`, webhooks and the compat
// WebSocket: every incoming event is committed here the moment it is read, with a monotonic id,
// before anyone is told. Incoming duplicates (same source, device and timestamp) are refused by a
// unique key that survives restarts. State, gate and message events share the id sequence, so
// one `Last-Event-ID` replays all of them.
import type { EventStore, LoggedEvent, NewEvent } from '../../app/ports.js';
import { EVENT_NAMES, type EventName } from '../../protocol/index.js';
import type { Db } from './database.js';

export class SqliteEventStore implements EventStore {
  readonly #statements;
  readonly #appendAll: (events: readonly NewEvent[]) => (LoggedEvent | undefined)[];

  constructor(db: Db) {
    this.#appendAll = db.transaction((events: readonly NewEvent[]) => events.map((event) => this.appendWithin(event)));
    this.#statements = {
      insert: db.prepare('INSERT INTO events (kind, at, dedupe_key, data) VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING'),
      after: db.prepare('SELECT id, kind, at, data FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      afterOfKind: db.prepare('SELECT id, kind, at, data FROM events WHERE kind = ? AND id > ? ORDER BY id LIMIT ?'),
      last: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events'),
      lastOfKind: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events WHERE kind = ?'),
      lastAt: db.prepare('SELECT at FROM events WHERE id = (SELECT MAX(id) FROM events)'),
      countAfter: db.prepare('SELECT COUNT(*) AS count FROM events WHERE kind = ? AND id > ?'),
      // one kind at a time, along (kind, id): the oldest of a kind come first, so no scan passes over the rest
      purge: db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE kind = ? AND at < ? ORDER BY id LIMIT ?)'),
    };
  }

  append(events: readonly NewEvent[]): (LoggedEvent | undefined)[] {
    return this.#appendAll(events);
  }

  /** Appends inside a transaction the caller holds (the message store's, for a change and its event). */
  appendWithin({ kind, at, data, dedupeKey }: NewEvent): LoggedEvent | undefined {
    const text = JSON.stringify(data);
    const result = this.#statements.insert.run(kind, at, dedupeKey ?? null, text);
    if (result.changes === 0) return undefined;
    return { id: Number(result.lastInsertRowid), kind, at, data: text };
  }

  after(id: number, limit: number, kind?: EventName): LoggedEvent[] {
    return (kind ? this.#statements.afterOfKind.all(kind, id, limit) : this.#statements.after.all(id, limit)) as LoggedEvent[];
  }

  lastId(kind?: EventName): number {
    return ((kind ? this.#statements.lastOfKind.get(kind) : this.#statements.last.get()) as { id: number }).id;
  }

  lastAt(): number | undefined {
    return (this.#statements.lastAt.get() as { at: number } | undefined)?.at;
  }

  countAfter(id: number, kind: EventName): number {
    return (this.#statements.countAfter.get(kind, id) as { count: number }).count;
  }

  purge(incomingBefore: number, otherBefore: number, limit: number): number {
    let removed = 0;
    for (const kind of EVENT_NAMES) {
      if (removed >= limit) break;
      removed += this.#statements.purge.run(kind, kind === 'incoming' ? incomingBefore : otherBefore, limit - removed).changes;
    }
    return removed;
  }
}
