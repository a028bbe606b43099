// The connection pool behind the PostgreSQL store and the one way it writes: every transaction
// that changes messages or events first takes one transaction-scoped advisory lock, so writes
// from every instance are serialised. That is what makes event ids become visible in commit
// order (a reader paging `after(id)` never skips one) and keeps the per-state count rows free of
// lock-order deadlocks. Statements are always parameterised and prepared once per connection.
import pg from 'pg';

/** Advisory lock keys: one database serves one account, so constants suffice. */
export const LOCKS = Object.freeze({
  /** Session lock while migrating, so instances starting together migrate once. */
  migrate: 7_465_746_801,
  /** Transaction lock of every write to messages or events. */
  write: 7_465_746_802,
});

/** The channel NOTIFY uses (triggers send `events` or `messages` on it). */
export const CHANGES_CHANNEL = 'tether_changes';

export interface Queryable {
  query<R>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

const INT8 = 20;
/** Times, positions, ids and counts are bigint columns holding values below 2^53: read them as numbers. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * How long the server lets a connection sit inside a transaction without a statement before it
 * ends the session (and so the transaction and its locks). A tetherd stopped (SIGSTOP, a VM
 * frozen) in the middle of a write would otherwise hold the write lock and the lease row's lock
 * for as long as it stays stopped: every instance's intake would wait, and no standby could take
 * the lease. Our transactions are a few statements sent back to back.
 */
export const IDLE_IN_TRANSACTION_MS = 2_000;

export function connectionConfig(url: string): pg.ClientConfig {
  // keepalive: the kernel notices a peer that vanished without closing (a host gone, a cut link)
  return {
    connectionString: url,
    types,
    application_name: 'tetherd',
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  };
}

export class Database implements Queryable {
  readonly pool: pg.Pool;
  readonly #names = new Map<string, string>();
  readonly #backends = new Set<number>();

  constructor(url: string, options: { readonly poolSize: number; readonly onError: (error: Error) => void }) {
    this.pool = new pg.Pool({ ...connectionConfig(url), max: options.poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
    // an idle connection that the server dropped (a restart) is an event, not a crash; the pool replaces it
    this.pool.on('error', options.onError);
    this.pool.on('connect', (client) => this.#backends.add(backendOf(client)));
    this.pool.on('remove', (client) => this.#backends.delete(backendOf(client)));
  }

  /** True when `pid` is the server process of one of this pool's connections (a notification of our own commit). */
  isOwnBackend(pid: number): boolean {
    return this.#backends.has(pid);
  }

  query<R>(text: string, values: readonly unknown[] = []): Promise<{ rows: R[]; rowCount: number }> {
    return run<R>(this.pool, this.#named(text, values));
  }

  /**
   * Runs `work` in a transaction holding the write lock; rolls back on any failure. The queued
   * count, read under the lock, comes in the same round trip as BEGIN and the lock.
   */
  write<T>(work: (tx: Queryable, queued: number) => Promise<T>): Promise<T> {
    return this.#transaction(work, `BEGIN; SELECT pg_advisory_xact_lock(${LOCKS.write}); SELECT count FROM message_counts WHERE state = 'queued'`);
  }

  async #transaction<T>(work: (tx: Queryable, queued: number) => Promise<T>, begin: string): Promise<T> {
    const client = await checkout(this.pool);
    let broken = false;
    try {
      const results = (await client.query(begin)) as unknown as pg.QueryResult<{ count: number }>[];
      const queued = results.at(-1)?.rows[0]?.count ?? 0;
      const result = await work({ query: <R>(text: string, values: readonly unknown[] = []) => run<R>(client, this.#named(text, values)) }, queued);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      // a connection that could not even roll back is destroyed rather than reused
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  #named(text: string, values: readonly unknown[]): pg.QueryConfig {
    let name = this.#names.get(text);
    if (name === undefined) this.#names.set(text, (name = `tether_${this.#names.size + 1}`));
    return { name, text, values: values as unknown[] };
  }
}

/** The server process id a connection talks to (pg knows it from the startup handshake; its types do not say). */
function backendOf(client: pg.PoolClient): number {
  return (client as unknown as { processID: number }).processID;
}

async function run<R>(target: pg.Pool | pg.PoolClient, config: pg.QueryConfig): Promise<{ rows: R[]; rowCount: number }> {
  const result = await target.query(config);
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}

/**
 * A connection from the pool that cannot crash the process: pg emits 'error' on a checked-out
 * connection the server drops (a restart) and only the pool's idle connections have a listener.
 * The failure still reaches the caller, as the rejection of its next query.
 */
export async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const ignore = (): void => undefined;
  client.on('error', ignore);
  const release = client.release.bind(client);
  client.release = (destroy?: boolean | Error) => {
    client.removeListener('error', ignore);
    release(destroy);
  };
  return client;
}
