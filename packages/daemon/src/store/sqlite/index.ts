// The SQLite store: one connection to `<state-dir>/tether.db` behind every store port the daemon
// uses (outbox, event log, loss windows, named values, dead letters).
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LoggedEvent, MessageRecord, Store } from '../../app/ports.js';
import { BLOB_DIR } from '../../runtime/state-files.js';
import { startCheckpointer } from './checkpointer.js';
import { openDatabase, type Db } from './database.js';
import { SqliteBlobStore } from './blob-store.js';
import { SqliteEventStore } from './event-store.js';
import { SqliteMessageStore } from './message-store.js';
import { SqliteDeadLetterStore, SqliteLossWindowStore, SqliteMetaStore } from './small-stores.js';

export interface SqliteStore extends Store {
  readonly messages: SqliteMessageStore;
  readonly events: SqliteEventStore;
  /** The connection, for the few things only SQLite has (checks, benchmarks). */
  readonly db: Db;
  writable(now: number): boolean;
  close(): Promise<void>;
}

export interface SqliteStoreOptions {
  readonly maxQueued: number;
  /** How a message change reads as a `message` event, and who hears of committed ones. */
  readonly messageEvents?: { readonly present: (record: MessageRecord) => unknown; readonly announce: (events: readonly LoggedEvent[]) => void };
  /** How often a worker thread checkpoints the WAL (never the daemon's thread). @default 1_000 */
  readonly checkpointIntervalMs?: number;
  /** Where checkpoint failures are reported. */
  readonly onCheckpointError?: (message: string) => void;
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

export function openSqliteStore(file: string, options: SqliteStoreOptions): SqliteStore {
  const db = openDatabase(file);
  db.pragma('wal_autocheckpoint = 0');
  // keeps the WAL file from growing without bound once its frames are checkpointed
  db.pragma('journal_size_limit = 67108864');
  const checkpointer = startCheckpointer(file, { intervalMs: options.checkpointIntervalMs ?? 1_000, driver, onError: options.onCheckpointError ?? (() => undefined) });
  const meta = new SqliteMetaStore(db);
  const events = new SqliteEventStore(db);
  const room = db.prepare("INSERT INTO meta (key, value) VALUES ('health-room', zeroblob(?))");
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  return {
    db,
    messages: new SqliteMessageStore(db, { maxQueued: options.maxQueued, ...(options.messageEvents ? { events: { store: events, ...options.messageEvents } } : {}) }),
    blobs: new SqliteBlobStore(db, path.join(path.dirname(file), BLOB_DIR)),
    events,
    lossWindows: new SqliteLossWindowStore(db),
    meta,
    deadLetters: new SqliteDeadLetterStore(db),
    writable(now) {
      try {
        meta.set('health', String(now));
        // Rewriting the heartbeat in place needs no new page, so it succeeds on a full disk where
        // no message can be stored: also take a page's worth of new space, and give it back.
        db.exec('SAVEPOINT health_room');
        try {
          room.run(pageSize);
        } finally {
          db.exec('ROLLBACK TO health_room');
          db.exec('RELEASE health_room');
        }
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await checkpointer.stop();
      if (db.open) db.close();
    },
  };
}
