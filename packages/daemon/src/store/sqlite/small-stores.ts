// The daemon's small tables on SQLite: named values that outlive a restart (the send gate's
// pause, delivery cursors), closed loss windows, and webhook dead letters.
import type { DeadLetterStore, LossWindowRecord, LossWindowStore, MetaStore } from '../../app/ports.js';
import type { Db } from './database.js';

export class SqliteMetaStore implements MetaStore {
  readonly #get;
  readonly #set;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#set = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | undefined {
    return (this.#get.get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.#set.run(key, value);
  }
}

export class SqliteLossWindowStore implements LossWindowStore {
  readonly #add;
  readonly #recent;

  constructor(db: Db) {
    this.#add = db.prepare('INSERT INTO loss_windows (from_at, to_at) VALUES (?, ?)');
    this.#recent = db.prepare('SELECT from_at AS "from", to_at AS "to" FROM loss_windows ORDER BY id DESC LIMIT ?');
  }

  add(window: LossWindowRecord): void {
    this.#add.run(window.from, window.to);
  }

  recent(limit: number): LossWindowRecord[] {
    return (this.#recent.all(limit) as LossWindowRecord[]).reverse();
  }
}

export class SqliteDeadLetterStore implements DeadLetterStore {
  readonly #add;
  readonly #count;

  constructor(db: Db) {
    this.#add = db.prepare('INSERT OR REPLACE INTO webhook_dead_letters (event_id, at, status, error) VALUES (?, ?, ?, ?)');
    this.#count = db.prepare('SELECT COUNT(*) AS count FROM webhook_dead_letters');
  }

  add(entry: { readonly eventId: number; readonly at: number; readonly status?: number; readonly error: string }): void {
    this.#add.run(entry.eventId, entry.at, entry.status ?? null, entry.error);
  }

  count(): number {
    return (this.#count.get() as { count: number }).count;
  }
}
