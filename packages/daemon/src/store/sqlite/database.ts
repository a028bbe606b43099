// Opens the daemon's SQLite database: WAL, synchronous=NORMAL (a crash of the process loses
// nothing committed; a power loss may lose the last transactions), and the schema migrated with
// PRAGMA user_version. Every table the daemon keeps is created here and nowhere else; each
// migration runs once, in order, inside a transaction.
import Database from 'better-sqlite3';

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  // 1: the outbox, the event log, small named values and loss windows.
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
  // 2: Signal timestamps of sent messages, kept longer than the messages, so that a late delivery
  // or read receipt is still attributed to its message id.
  `CREATE TABLE signal_timestamps (
     timestamp INTEGER NOT NULL,
     message_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (timestamp, message_id)
   );`,
  // 3: idempotency keys name a whole request (one message or a batch), so they get their own table;
  // webhook dead letters move here from an ad-hoc CREATE in the deliverer; nothing looks messages
  // up by Signal timestamp any more (signal_timestamps does), so that index goes. The old
  // messages.idempotency_key column stays (SQLite cannot drop a UNIQUE column) and is no longer written.
  `CREATE TABLE idempotency_keys (
     key TEXT PRIMARY KEY,
     request_hash TEXT NOT NULL,
     message_ids TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   INSERT INTO idempotency_keys (key, request_hash, message_ids, created_at)
     SELECT idempotency_key, COALESCE(request_hash, ''), json_array(id), created_at FROM messages WHERE idempotency_key IS NOT NULL;
   CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
   CREATE TABLE IF NOT EXISTS webhook_dead_letters (event_id INTEGER PRIMARY KEY, at INTEGER NOT NULL, status INTEGER, error TEXT NOT NULL);
   DROP INDEX messages_by_signal_timestamp;
   CREATE INDEX signal_timestamps_by_age ON signal_timestamps (at);`,
  // 4: every outbox query costs O(log n) in the backlog: counts by state kept by triggers in the
  // same transaction as the change, and an index for each query that filters or orders.
  `CREATE TABLE message_counts (state TEXT PRIMARY KEY, count INTEGER NOT NULL);
   INSERT INTO message_counts (state, count) SELECT state, COUNT(*) FROM messages GROUP BY state;
   CREATE TRIGGER message_counts_insert AFTER INSERT ON messages BEGIN
     INSERT INTO message_counts (state, count) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET count = count + 1;
   END;
   CREATE TRIGGER message_counts_delete AFTER DELETE ON messages BEGIN
     UPDATE message_counts SET count = count - 1 WHERE state = OLD.state;
   END;
   CREATE TRIGGER message_counts_update AFTER UPDATE OF state ON messages WHEN OLD.state != NEW.state BEGIN
     UPDATE message_counts SET count = count - 1 WHERE state = OLD.state;
     INSERT INTO message_counts (state, count) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET count = count + 1;
   END;
   CREATE UNIQUE INDEX messages_by_position ON messages (position);
   CREATE INDEX messages_expiring ON messages (expires_at) WHERE state = 'queued' AND expires_at IS NOT NULL;
   CREATE INDEX messages_finished ON messages (updated_at) WHERE state IN ('sent', 'delivered', 'read', 'failed');`,
  // 5: attachment bytes beside the messages: the chunks are files (blob-store.ts), this says
  // whose they are and how many there are; a blob whose message is deleted becomes an orphan at
  // once (unlinked, as old as can be) for the retention sweep.
  `CREATE TABLE blobs (id TEXT PRIMARY KEY, message_id TEXT, created_at INTEGER NOT NULL, chunks INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX blobs_by_message ON blobs (message_id) WHERE message_id IS NOT NULL;
   CREATE INDEX blobs_unlinked ON blobs (created_at) WHERE message_id IS NULL;
   CREATE TRIGGER blobs_orphaned AFTER DELETE ON messages BEGIN
     UPDATE blobs SET message_id = NULL, created_at = 0 WHERE message_id = OLD.id;
   END;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class DatabaseOpenError extends Error {}

/**
 * Opens, checks (`PRAGMA quick_check`) and migrates the database. Every failure is a
 * DatabaseOpenError whose one-line message names the file, the cause and the fix.
 */
export function openDatabase(file: string): Db {
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw Object.assign(new Error(`quick_check: ${check}`), { code: 'SQLITE_CORRUPT' });
    migrate(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    throw new DatabaseOpenError(openFailure(file, error));
  }
}

export function openFailure(file: string, error: unknown): string {
  const code = String((error as { code?: unknown }).code ?? '');
  const cause = (error as Error).message.replace(/\s*\n\s*/g, '; ');
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return `the database ${file} is damaged (${cause}); tetherd will not run on it. Recover what it holds with: sqlite3 ${file} ".recover" | sqlite3 ${file}.recovered, then move ${file}.recovered to ${file}`;
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || /read-only|EROFS|EACCES/i.test(cause)) {
    return `the database ${file} cannot be written (${cause}); give tetherd's user a writable state directory (TETHER_STATE_DIR) on a read-write file system`;
  }
  if (code === 'SQLITE_FULL' || /ENOSPC|disk is full/i.test(cause)) return `the database ${file} cannot be written: the disk is full; free space on its file system`;
  return `cannot open the database ${file}: ${cause}`;
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
