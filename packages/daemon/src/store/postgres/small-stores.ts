// The daemon's small tables on PostgreSQL: named values that outlive a restart (the send gate's
// pause, delivery cursors), closed loss windows, and webhook dead letters. Same semantics as
// SQLite's; every instance sees the same values.
import type { DeadLetterStore, LossWindowRecord, LossWindowStore, MetaStore } from '../../app/ports.js';
import type { Database } from './database.js';

export class PostgresMetaStore implements MetaStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.#db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }
}

export class PostgresLossWindowStore implements LossWindowStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(window: LossWindowRecord): Promise<void> {
    await this.#db.query('INSERT INTO loss_windows (from_at, to_at) VALUES ($1, $2)', [window.from, window.to]);
  }

  async recent(limit: number): Promise<LossWindowRecord[]> {
    const { rows } = await this.#db.query<LossWindowRecord>('SELECT from_at AS "from", to_at AS "to" FROM loss_windows ORDER BY id DESC LIMIT $1', [limit]);
    return rows.reverse();
  }
}

export class PostgresDeadLetterStore implements DeadLetterStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(entry: { readonly eventId: number; readonly at: number; readonly status?: number; readonly error: string }): Promise<void> {
    await this.#db.query(
      `INSERT INTO webhook_dead_letters (event_id, at, status, error) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO UPDATE SET at = excluded.at, status = excluded.status, error = excluded.error`,
      [entry.eventId, entry.at, entry.status ?? null, entry.error],
    );
  }

  async count(): Promise<number> {
    const { rows } = await this.#db.query<{ count: number }>('SELECT count(*) AS count FROM webhook_dead_letters');
    return rows[0]!.count;
  }
}
