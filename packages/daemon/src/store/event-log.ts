// The durable event log behind `GET /v1/events` and `tether receive`: every incoming event is
// committed here the moment it is read, with a monotonic id, before anyone is told. Incoming
// duplicates (same source, device and timestamp) are refused by a unique key that survives
// restarts. State, gate and message events are logged too, so one id sequence serves replay.
import type { Db } from './database.js';

export type EventKind = 'state' | 'gate' | 'message' | 'incoming';

export interface LoggedEvent {
  readonly id: number;
  readonly kind: EventKind;
  readonly at: number;
  /** JSON text, ready to send. */
  readonly data: string;
}

export class EventLog {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      insert: db.prepare('INSERT INTO events (kind, at, dedupe_key, data) VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING'),
      after: db.prepare('SELECT id, kind, at, data FROM events WHERE id > ? ORDER BY id LIMIT ?'),
      afterOfKind: db.prepare('SELECT id, kind, at, data FROM events WHERE kind = ? AND id > ? ORDER BY id LIMIT ?'),
      last: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events'),
      purgeIncoming: db.prepare(`DELETE FROM events WHERE kind = 'incoming' AND at < ?`),
      purgeOther: db.prepare(`DELETE FROM events WHERE kind != 'incoming' AND at < ?`),
    };
  }

  /** Commits one event; returns it, or undefined when its dedupe key was seen before. */
  append(kind: EventKind, at: number, data: unknown, dedupeKey?: string): LoggedEvent | undefined {
    const text = JSON.stringify(data);
    const result = this.#statements.insert.run(kind, at, dedupeKey ?? null, text);
    if (result.changes === 0) return undefined;
    return { id: Number(result.lastInsertRowid), kind, at, data: text };
  }

  /** Events after `id`, oldest first, at most `limit`; only of `kind` when given. */
  after(id: number, limit: number, kind?: EventKind): LoggedEvent[] {
    return (kind ? this.#statements.afterOfKind.all(kind, id, limit) : this.#statements.after.all(id, limit)) as LoggedEvent[];
  }

  lastId(): number {
    return (this.#statements.last.get() as { id: number }).id;
  }

  /** Drops incoming events older than `incomingBefore` and other events older than `otherBefore`. */
  purge(incomingBefore: number, otherBefore: number): number {
    return this.#statements.purgeIncoming.run(incomingBefore).changes + this.#statements.purgeOther.run(otherBefore).changes;
  }
}
