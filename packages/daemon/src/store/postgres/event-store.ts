// The durable event log on PostgreSQL, shared by every instance: appends hold the write lock from
// before the identity sequence assigns an id until the commit, so ids become visible in the order
// they were given and a reader paging `after(id)` never skips one. Incoming duplicates are refused
// by the unique dedupe key, as on SQLite.
import type { EventStore, LoggedEvent, NewEvent } from '../../app/ports.js';
import { EVENT_NAMES, type EventName } from '../../protocol/index.js';
import type { Database } from './database.js';

export class PostgresEventStore implements EventStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  append(events: readonly NewEvent[]): Promise<(LoggedEvent | undefined)[]> {
    return this.#db.write(async (tx) => {
      const logged: (LoggedEvent | undefined)[] = [];
      // one statement per event: a dedupe key seen earlier in the same call refuses the later one
      for (const { kind, at, data, dedupeKey } of events) {
        const text = JSON.stringify(data);
        const { rows } = await tx.query<{ id: number }>('INSERT INTO events (kind, at, dedupe_key, data) VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id', [
          kind,
          at,
          dedupeKey ?? null,
          text,
        ]);
        logged.push(rows[0] && { id: rows[0].id, kind, at, data: text });
      }
      return logged;
    });
  }

  async after(id: number, limit: number, kind?: EventName): Promise<LoggedEvent[]> {
    const { rows } = kind
      ? await this.#db.query<LoggedEvent>('SELECT id, kind, at, data FROM events WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3', [kind, id, limit])
      : await this.#db.query<LoggedEvent>('SELECT id, kind, at, data FROM events WHERE id > $1 ORDER BY id LIMIT $2', [id, limit]);
    return rows;
  }

  async lastId(kind?: EventName): Promise<number> {
    const { rows } = kind
      ? await this.#db.query<{ id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM events WHERE kind = $1', [kind])
      : await this.#db.query<{ id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM events');
    return rows[0]!.id;
  }

  async lastAt(): Promise<number | undefined> {
    const { rows } = await this.#db.query<{ at: number }>('SELECT at FROM events ORDER BY id DESC LIMIT 1');
    return rows[0]?.at;
  }

  async countAfter(id: number, kind: EventName): Promise<number> {
    const { rows } = await this.#db.query<{ count: number }>('SELECT count(*) AS count FROM events WHERE kind = $1 AND id > $2', [kind, id]);
    return rows[0]!.count;
  }

  async purge(incomingBefore: number, otherBefore: number, limit: number): Promise<number> {
    let removed = 0;
    for (const kind of EVENT_NAMES) {
      if (removed >= limit) break;
      // one kind at a time, along (kind, id): the oldest of a kind come first
      const { rowCount } = await this.#db.query('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE kind = $1 AND at < $2 ORDER BY id LIMIT $3)', [
        kind,
        kind === 'incoming' ? incomingBefore : otherBefore,
        limit - removed,
      ]);
      removed += rowCount;
    }
    return removed;
  }
}
