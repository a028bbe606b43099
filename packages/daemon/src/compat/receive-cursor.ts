// Where compat WebSocket clients resume: the newest spooled event a client is known to have read,
// per account, in the daemon's `meta` table (its own connection to the same WAL database). On
// first use it starts at the newest event, so a new deployment does not replay the whole spool.
import path from 'node:path';
import { getMeta, openDatabase, setMeta, type Db } from '../store/database.js';

export class ReceiveCursor {
  readonly #db: Db;
  readonly #key: string;
  #value: number;
  #flushing = false;

  constructor(stateDir: string, account: string) {
    this.#db = openDatabase(path.join(stateDir, 'tether.db'));
    this.#key = `compat-receive-cursor:${account}`;
    const stored = getMeta(this.#db, this.#key);
    if (stored !== undefined && /^\d+$/.test(stored)) {
      this.#value = Number(stored);
    } else {
      const row = this.#db.prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM events WHERE kind = 'incoming'`).get() as { id: number };
      this.#value = row.id;
      setMeta(this.#db, this.#key, String(this.#value));
    }
  }

  get value(): number {
    return this.#value;
  }

  /** Moves the cursor forward (never back); writes are coalesced to one per turn of the loop. */
  advance(id: number): boolean {
    if (id <= this.#value) return false;
    this.#value = id;
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => this.#flush());
    }
    return true;
  }

  close(): void {
    this.#flush();
    this.#db.close();
  }

  #flush(): void {
    if (!this.#flushing || !this.#db.open) return;
    this.#flushing = false;
    setMeta(this.#db, this.#key, String(this.#value));
  }
}
