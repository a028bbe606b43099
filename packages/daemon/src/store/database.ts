// Opens the daemon's SQLite database: WAL, synchronous=NORMAL (a crash of the process loses
// nothing committed; a power loss may lose the last transactions), and the schema migrated with
// PRAGMA user_version. Each migration runs once, in order, inside a transaction.
import Database from 'better-sqlite3';

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE messages (
     id TEXT PRIMARY KEY,
     position INTEGER NOT NULL,
     state TEXT NOT NULL,
     payload TEXT NOT NULL,
     recipients TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     ambiguous INTEGER NOT NULL DEFAULT 0,
     unknown_resends INTEGER NOT NULL DEFAULT 0,
     retriable_failures INTEGER NOT NULL DEFAULT 0,
     signal_timestamp INTEGER,
     error TEXT,
     expires_at INTEGER,
     idempotency_key TEXT UNIQUE,
     request_hash TEXT
   );
   CREATE INDEX messages_by_state ON messages (state, position);
   CREATE INDEX messages_by_signal_timestamp ON messages (signal_timestamp);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     at INTEGER NOT NULL,
     dedupe_key TEXT UNIQUE,
     data TEXT NOT NULL
   );
   CREATE INDEX events_by_kind ON events (kind, id);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE loss_windows (id INTEGER PRIMARY KEY AUTOINCREMENT, from_at INTEGER NOT NULL, to_at INTEGER NOT NULL);`,
  // Signal timestamps of sent messages, kept longer than the messages, so that a late delivery or
  // read receipt is still attributed to its message id.
  `CREATE TABLE signal_timestamps (
     timestamp INTEGER NOT NULL,
     message_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (timestamp, message_id)
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the database schema is version ${current}, newer than this tetherd understands (${SCHEMA_VERSION}); upgrade tetherd`);
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
