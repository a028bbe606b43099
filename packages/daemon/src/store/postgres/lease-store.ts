// The leader lease of an account, one row per account, timed by the database's clock
// (`tether_now_ms()`), so the hosts' clocks never matter. Taking a lease that nobody holds, that
// lapsed, or that was released starts a new term: the fencing epoch grows by one. Renewing keeps
// the term, and works while the epoch is still ours (nobody else can have led in between).
import type { LeaderRecord, LeaseResult, LeaseStore } from '../../app/ports.js';
import type { Database } from './database.js';

interface LeaseRow {
  instance: string;
  host: string;
  epoch: number;
  since: number;
  expires_at: number;
}

const COLUMNS = 'instance, host, epoch, since, expires_at';

export class PostgresLeaseStore implements LeaseStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async acquire(request: { readonly account: string; readonly instance: string; readonly host: string; readonly leaseMs: number }): Promise<LeaseResult> {
    // the row lock the upsert takes waits for a fenced write that holds the row FOR SHARE
    const { rows } = await this.#db.query<LeaseRow>(
      `INSERT INTO leases AS held (account, instance, host, epoch, since, expires_at)
       VALUES ($1, $2, $3, 1, tether_now_ms(), tether_now_ms() + $4)
       ON CONFLICT (account) DO UPDATE SET
         epoch = CASE WHEN held.instance = excluded.instance AND held.expires_at > tether_now_ms() THEN held.epoch ELSE held.epoch + 1 END,
         since = CASE WHEN held.instance = excluded.instance AND held.expires_at > tether_now_ms() THEN held.since ELSE excluded.since END,
         instance = excluded.instance,
         host = excluded.host,
         expires_at = excluded.expires_at
       WHERE held.instance = excluded.instance OR held.expires_at <= tether_now_ms()
       RETURNING ${COLUMNS}`,
      [request.account, request.instance, request.host, Math.round(request.leaseMs)],
    );
    return rows[0] ? { held: true, lease: toLeader(rows[0]) } : { held: false, holder: await this.current(request.account) };
  }

  async renew(request: { readonly account: string; readonly instance: string; readonly epoch: number; readonly leaseMs: number }): Promise<LeaseResult> {
    const { rows } = await this.#db.query<LeaseRow>(
      `UPDATE leases SET expires_at = tether_now_ms() + $4 WHERE account = $1 AND instance = $2 AND epoch = $3 RETURNING ${COLUMNS}`,
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
}

function toLeader(row: LeaseRow): LeaderRecord {
  return { instance: row.instance, host: row.host, epoch: row.epoch, since: row.since, expiresAt: row.expires_at };
}
