// The leader lease of an account, one row per account, timed by the database's clock
// (`tether_now_ms()`), so the hosts' clocks never matter. Taking a lease that nobody holds, that
// lapsed, or that was released starts a new term: the fencing epoch grows by one. Renewing keeps
// the term, and works while the epoch is still ours (nobody else can have led in between).
//
// A holder that died does not make the others wait out its lease: acquiring and renewing run on
// one connection of their own, whose server process the row records (`holder_pid`). A holder
// killed outright loses that connection with it (the kernel closes the socket), the server
// process ends, and the lease is another's to take at once. A holder that is merely paused keeps
// its connection, and is waited out: its lease lapses. Either way fencing guards the outbox.
import pg from 'pg';
import type { LeaderRecord, LeaseResult, LeaseStore } from '../../app/ports.js';
import { connectionConfig, type Database } from './database.js';

interface LeaseRow {
  instance: string;
  host: string;
  epoch: number;
  since: number;
  expires_at: number;
  renewed_at: number;
}

const COLUMNS = 'instance, host, epoch, since, expires_at, renewed_at';
/** The holder's lease connection is gone: its server process is no longer listed. */
const HOLDER_GONE = 'NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = held.holder_pid)';

export class PostgresLeaseStore implements LeaseStore {
  readonly #db: Database;
  readonly #url: string;
  /** The connection acquire and renew use (outside the pool); replaced when it fails. */
  #own: Promise<pg.Client> | undefined;

  constructor(db: Database, url: string) {
    this.#db = db;
    this.#url = url;
  }

  async acquire(request: { readonly account: string; readonly instance: string; readonly host: string; readonly leaseMs: number }): Promise<LeaseResult> {
    // the row lock the upsert takes waits for a fenced write that holds the row FOR SHARE
    // `before` reads the row as the statement found it: the holder this acquire replaces
    const rows = await this.#onOwn<LeaseRow & { [K in keyof LeaseRow as `before_${K}`]: LeaseRow[K] | null }>(
      `WITH earlier AS (SELECT ${COLUMNS} FROM leases WHERE account = $1)
       INSERT INTO leases AS held (account, instance, host, epoch, since, expires_at, renewed_at, holder_pid)
       VALUES ($1, $2, $3, 1, tether_now_ms(), tether_now_ms() + $4, tether_now_ms(), pg_backend_pid())
       ON CONFLICT (account) DO UPDATE SET
         epoch = CASE WHEN held.instance = excluded.instance AND held.expires_at > tether_now_ms() THEN held.epoch ELSE held.epoch + 1 END,
         since = CASE WHEN held.instance = excluded.instance AND held.expires_at > tether_now_ms() THEN held.since ELSE excluded.since END,
         instance = excluded.instance,
         host = excluded.host,
         expires_at = excluded.expires_at,
         renewed_at = excluded.renewed_at,
         holder_pid = excluded.holder_pid
       WHERE held.instance = excluded.instance OR held.expires_at <= tether_now_ms() OR ${HOLDER_GONE}
       RETURNING ${COLUMNS.split(', ').map((column) => `held.${column}`).join(', ')},
         ${COLUMNS.split(', ').map((column) => `(SELECT ${column} FROM earlier) AS before_${column}`).join(', ')}`,
      [request.account, request.instance, request.host, Math.round(request.leaseMs)],
    );
    const row = rows[0];
    if (!row) return { held: false, holder: await this.current(request.account) };
    const previous: LeaseRow | undefined =
      row.before_instance === null
        ? undefined
        : { instance: row.before_instance, host: row.before_host!, epoch: row.before_epoch!, since: row.before_since!, expires_at: row.before_expires_at!, renewed_at: row.before_renewed_at! };
    return { held: true, lease: toLeader(row), ...(previous ? { previous: toLeader(previous) } : {}) };
  }

  async renew(request: { readonly account: string; readonly instance: string; readonly epoch: number; readonly leaseMs: number }): Promise<LeaseResult> {
    // a renewal over a new connection (the old one failed) records the new one
    const rows = await this.#onOwn<LeaseRow>(
      `UPDATE leases SET expires_at = tether_now_ms() + $4, renewed_at = tether_now_ms(), holder_pid = pg_backend_pid() WHERE account = $1 AND instance = $2 AND epoch = $3 RETURNING ${COLUMNS}`,
      [request.account, request.instance, request.epoch, Math.round(request.leaseMs)],
    );
    return rows[0] ? { held: true, lease: toLeader(rows[0]) } : { held: false, holder: await this.current(request.account) };
  }

  async release(request: { readonly account: string; readonly instance: string; readonly epoch: number }): Promise<void> {
    await this.#db.query('UPDATE leases SET expires_at = tether_now_ms() WHERE account = $1 AND instance = $2 AND epoch = $3 AND expires_at > tether_now_ms()', [
      request.account,
      request.instance,
      request.epoch,
    ]);
  }

  async current(account: string): Promise<LeaderRecord | undefined> {
    const { rows } = await this.#db.query<LeaseRow>(`SELECT ${COLUMNS} FROM leases WHERE account = $1`, [account]);
    return rows[0] && toLeader(rows[0]);
  }

  /** Closes the lease connection (the store is closing). */
  async close(): Promise<void> {
    const own = this.#own;
    this.#own = undefined;
    await own?.then((client) => client.end(), () => undefined);
  }

  async #onOwn<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    const own = (this.#own ??= this.#connect());
    try {
      const client = await own;
      return (await client.query(text, values as unknown[])).rows as R[];
    } catch (error) {
      // any failure drops the connection (a server restart fails it with a DatabaseError too)
      if (this.#own === own) {
        this.#own = undefined;
        void own.then((client) => client.end(), () => undefined);
      }
      throw error;
    }
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client(connectionConfig(this.#url));
    // a connection the server drops is noticed by the next query's rejection, not as a crash
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
}

function toLeader(row: LeaseRow): LeaderRecord {
  return { instance: row.instance, host: row.host, epoch: row.epoch, since: row.since, expiresAt: row.expires_at, renewedAt: row.renewed_at };
}
