// The PostgreSQL store: one database that several tetherds of one account share (issue 13).
// Beyond the store ports SQLite fills, it offers the leader lease, a fenced view of the outbox for
// the leader, and notifications of what any instance committed. A small pool serves the ports;
// one more connection LISTENs. Every call is asynchronous and a failure is a rejection, which the
// daemon retries; a restarted server is reconnected to by the pool and by the listener.
import { noopLogger, type BackoffPolicy, type Logger } from '@tether/core';
import type { MessageRecord, SharedStore, LoggedEvent } from '../../app/ports.js';
import { PostgresBlobStore } from './blob-store.js';
import { ChangeListener } from './change-listener.js';
import { Database } from './database.js';
import { PostgresEventStore } from './event-store.js';
import { PostgresLeaseStore } from './lease-store.js';
import { PostgresMessageStore } from './message-store.js';
import { describeDatabase, migrate } from './schema.js';
import { PostgresDeadLetterStore, PostgresLossWindowStore, PostgresMetaStore } from './small-stores.js';

export { FencedError, DatabaseRefusedError } from './errors.js';
export { SCHEMA_VERSION } from './schema.js';

export interface PostgresStore extends SharedStore {
  readonly messages: PostgresMessageStore;
  readonly events: PostgresEventStore;
  readonly leases: PostgresLeaseStore;
  fenced(epoch: number): PostgresMessageStore;
  writable(now: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface PostgresStoreOptions {
  /** The account this tetherd serves: recorded by the first start, and a database of another account is refused. */
  readonly account: string;
  readonly maxQueued: number;
  /** How a message change reads as a `message` event, and (optionally) who hears of the ones this instance committed. */
  readonly messageEvents?: { readonly present: (record: MessageRecord) => unknown; readonly announce?: (events: readonly LoggedEvent[]) => void };
  /** Where reconnects and pool errors are logged. @default noopLogger */
  readonly logger?: Logger;
  /** Connections in the pool (the LISTEN connection comes on top). @default 4 */
  readonly poolSize?: number;
  /** Reconnect backoff of the LISTEN connection. @default { initialMs: 100, factor: 2, maxMs: 5_000, jitter: 'full' } */
  readonly listenBackoff?: BackoffPolicy;
  /** How often the LISTEN connection proves it is alive, and how long it may take to answer. @default 5_000 */
  readonly listenHeartbeatMs?: number;
  /** The time recorded with the account at the first start. @default Date.now() */
  readonly now?: number;
}

export const POSTGRES_STORE_DEFAULTS = Object.freeze({
  poolSize: 4,
  listenHeartbeatMs: 5_000,
  listenBackoff: Object.freeze({ initialMs: 100, factor: 2, maxMs: 5_000, jitter: 'full' }) as BackoffPolicy,
});

/** Connects, migrates (once, under an advisory lock), checks the account, and starts listening. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions): Promise<PostgresStore> {
  const logger = options.logger ?? noopLogger;
  const where = describeDatabase(url);
  const db = new Database(url, {
    poolSize: options.poolSize ?? POSTGRES_STORE_DEFAULTS.poolSize,
    onError: (error) => logger.warn({ err: error, database: where }, 'an idle database connection failed; it is replaced on the next use'),
  });
  // this instance's own commits are announced where they are made (and its intake hands new
  // messages to its outbox): only other instances' commits need the notification
  const listener = new ChangeListener(url, { logger, backoff: options.listenBackoff ?? POSTGRES_STORE_DEFAULTS.listenBackoff, isOwn: (pid) => db.isOwnBackend(pid),
    heartbeatMs: options.listenHeartbeatMs ?? POSTGRES_STORE_DEFAULTS.listenHeartbeatMs,
  });
  try {
    await migrate(db, { account: options.account, where, now: options.now ?? Date.now(), logger });
    await listener.start();
  } catch (error) {
    await listener.close();
    await db.close();
    throw error;
  }
  const meta = new PostgresMetaStore(db);
  const messages = new PostgresMessageStore(db, { maxQueued: options.maxQueued, ...(options.messageEvents ? { events: options.messageEvents } : {}) });
  const leases = new PostgresLeaseStore(db, url);
  return {
    kind: 'shared',
    messages,
    blobs: new PostgresBlobStore(db),
    events: new PostgresEventStore(db),
    lossWindows: new PostgresLossWindowStore(db),
    meta,
    deadLetters: new PostgresDeadLetterStore(db),
    leases,
    fenced: (epoch) => messages.fenced(options.account, epoch),
    onChange: (listen) => listener.onChange((notice) => listen(notice.change, notice.upTo)),
    async writable(now) {
      try {
        await meta.set('health', String(now));
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await listener.close();
      await leases.close();
      await db.close();
    },
  };
}
