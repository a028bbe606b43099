// The durable outbox on PostgreSQL: core's OutboxStore plus the daemon's intake, lists, expiry,
// retention and the Signal-timestamp map, with the SQLite store's semantics: order by `position`
// (a sequence; a requeue takes a new, last one), the head is the lowest queued position, counts
// come from `message_counts` (kept by triggers), and every change is logged as a `message` event
// in its own transaction. A fenced view (`fence` set) checks the account's lease in the same
// transaction as each state change, holding the lease row FOR SHARE so a takeover waits for it.
import { ConflictError, OutboxFullError, patchRecord, type OutboxCounts, type RecordChange, type RecordPatch } from '@tether/core';
import type { OutgoingMessage } from '@tether/signal-transport';
import { AppError } from '../../app/errors.js';
import type { ListQuery, LoggedEvent, MessageRecord, MessageStore, MessageSummary, Submission, SubmitResult } from '../../app/ports.js';
import type { MessageState } from '../../protocol/index.js';
import type { Database, Queryable } from './database.js';
import { FencedError } from './errors.js';
import { SUMMARY_COLUMNS, toRecord, toSummary } from '../records.js';
import { columnValue, logChanges, RECORD_COLUMNS, updateStatement, type MessageEvents, type Row } from './message-rows.js';
import { submitGroup } from './submit.js';

export interface PostgresMessageStoreOptions {
  readonly maxQueued: number;
  readonly events?: MessageEvents;
  /** State changes need this lease: the account's row at this epoch, not lapsed. */
  readonly fence?: { readonly account: string; readonly epoch: number };
}

export class PostgresMessageStore implements MessageStore {
  readonly #db: Database;
  readonly #options: PostgresMessageStoreOptions;

  constructor(db: Database, options: PostgresMessageStoreOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** The same store, its state changes fenced by the lease at `epoch`. */
  fenced(account: string, epoch: number): PostgresMessageStore {
    return new PostgresMessageStore(this.#db, { ...this.#options, fence: { account, epoch } });
  }

  /** Core's single add (tests, embedders); the daemon commits through `submit`. */
  async add(payload: OutgoingMessage, options: { readonly now: number; readonly expiresAt?: number }): Promise<MessageRecord> {
    const [result] = await this.submit([{ messages: [{ message: payload, ...options }], requestHash: '' }], options.now);
    if (!result!.ok) throw result!.error.code === 'outbox-full' ? new OutboxFullError(result!.error.message) : result!.error;
    return result!.records[0]!;
  }

  async submit(submissions: readonly Submission[], now: number): Promise<SubmitResult[]> {
    if (submissions.length === 0) return [];
    const outcome = await submitGroup(this.#db, submissions, now, { maxQueued: this.#options.maxQueued, events: this.#options.events });
    if (outcome.logged.length > 0) this.#options.events?.announce?.(outcome.logged);
    return outcome.results;
  }

  async head(): Promise<MessageRecord | undefined> {
    const { rows } = await this.#db.query<Row>(`SELECT ${RECORD_COLUMNS} FROM messages WHERE state = 'queued' ORDER BY position LIMIT 1`);
    return rows[0] && toRecord(rows[0]);
  }

  async get(id: string): Promise<MessageRecord | undefined> {
    const { rows } = await this.#db.query<Row>(`SELECT ${RECORD_COLUMNS} FROM messages WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  update(id: string, patch: RecordPatch, now: number): Promise<MessageRecord> {
    return this.#change(async (tx) => {
      const { sql, values } = updateStatement(id, patch, now, undefined);
      const { rows } = await tx.query<Row>(`${sql} RETURNING ${RECORD_COLUMNS}`, values);
      if (!rows[0]) throw new ConflictError(`no message ${id}`);
      const record = toRecord(rows[0]);
      return { result: record, changes: [{ record, timestamp: patch.backendId === undefined ? undefined : (columnValue('backendId', patch.backendId) as number | null) }] };
    }, now);
  }

  /** The outbox's batched write: an outcome and the next claim in one transaction, nothing read back. */
  async updateMany(changes: readonly RecordChange<OutgoingMessage>[], now: number): Promise<void> {
    await this.#change(async (tx) => {
      for (const { record, patch, expect } of changes) {
        const { sql, values } = updateStatement(record.id, patch, now, expect);
        if ((await tx.query(sql, values)).rowCount === 0) throw new ConflictError(expect === undefined ? `no message ${record.id}` : `message ${record.id} is no longer ${expect}`);
      }
      const logged = changes.map(({ record, patch }) => ({
        record: patchRecord(record, patch, now),
        timestamp: patch.backendId === undefined ? undefined : (columnValue('backendId', patch.backendId) as number | null),
      }));
      return { result: undefined, changes: logged };
    }, now);
  }

  /** Core's receipt lookup: the messages sent with this Signal timestamp that still have a row. */
  async findByBackendId(backendId: string): Promise<MessageRecord[]> {
    const timestamp = Number(backendId);
    if (!Number.isSafeInteger(timestamp)) return [];
    const { rows } = await this.#db.query<Row>(
      `SELECT ${RECORD_COLUMNS.replace(/\b(\w+)\b/g, 'messages.$1')} FROM signal_timestamps JOIN messages ON messages.id = signal_timestamps.message_id
       WHERE signal_timestamps.timestamp = $1 ORDER BY messages.position`,
      [timestamp],
    );
    return rows.map(toRecord);
  }

  requeue(id: string, now: number): Promise<MessageRecord> {
    return this.#change(async (tx, queued) => {
      if (queued >= this.#options.maxQueued) throw new OutboxFullError(`the outbox holds ${this.#options.maxQueued} queued messages (TETHER_OUTBOX_MAX)`);
      const { rows } = await tx.query<Row>(
        `UPDATE messages SET state = 'queued', position = nextval('message_positions'), updated_at = $2 WHERE id = $1 RETURNING ${RECORD_COLUMNS}`,
        [id, now],
      );
      if (!rows[0]) throw new ConflictError(`no message ${id}`);
      const record = toRecord(rows[0]);
      return { result: record, changes: [{ record }] };
    }, now);
  }

  async inState(state: MessageState): Promise<MessageRecord[]> {
    const { rows } = await this.#db.query<Row>(`SELECT ${RECORD_COLUMNS} FROM messages WHERE state = $1 ORDER BY position`, [state]);
    return rows.map(toRecord);
  }

  async counts(): Promise<OutboxCounts> {
    const { rows } = await this.#db.query<{ state: string; count: number; oldest: number | null }>(
      `SELECT state, count, CASE WHEN state = 'queued' AND count > 0 THEN (SELECT created_at FROM messages WHERE state = 'queued' ORDER BY position LIMIT 1) END AS oldest
       FROM message_counts`,
    );
    const counts = { queued: 0, sending: 0, failed: 0, unknown: 0 };
    let oldestQueuedAt: number | undefined;
    for (const row of rows) {
      if (row.state in counts) counts[row.state as keyof typeof counts] = row.count;
      if (row.oldest !== null) oldestQueuedAt = row.oldest;
    }
    return oldestQueuedAt === undefined ? counts : { ...counts, oldestQueuedAt };
  }

  async queuedCount(): Promise<number> {
    const { rows } = await this.#db.query<{ count: number }>(`SELECT count FROM message_counts WHERE state = 'queued'`);
    return rows[0]?.count ?? 0;
  }

  async list(query: ListQuery): Promise<MessageSummary[]> {
    let before = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const { rows } = await this.#db.query<{ position: number }>('SELECT position FROM messages WHERE id = $1', [query.before]);
      if (!rows[0]) throw new AppError('invalid-cursor', `no message ${query.before} to page before`, { field: 'before' });
      before = rows[0].position;
    }
    const { rows } =
      query.state === undefined
        ? await this.#db.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM messages WHERE position < $1 ORDER BY position DESC LIMIT $2`, [before, query.limit])
        : await this.#db.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM messages WHERE state = $1 AND position < $2 ORDER BY position DESC LIMIT $3`, [query.state, before, query.limit]);
    return rows.map(toSummary);
  }

  async dueToExpire(now: number, limit: number): Promise<string[]> {
    const { rows } = await this.#db.query<{ id: string }>(
      `SELECT id FROM messages WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }

  async nextExpiry(): Promise<number | undefined> {
    const { rows } = await this.#db.query<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM messages WHERE state = 'queued' AND expires_at IS NOT NULL`);
    return rows[0]?.at ?? undefined;
  }

  purgeFinished(before: number, limit: number): Promise<number> {
    return this.#db.write(async (tx) => {
      const removed = await tx.query(
        `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE state IN ('sent', 'delivered', 'read', 'failed') AND updated_at < $1 LIMIT $2)`,
        [before, limit],
      );
      await tx.query('DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)', [before, limit]);
      return removed.rowCount;
    });
  }

  async idsForTimestamp(signalTimestamp: number): Promise<string[]> {
    const { rows } = await this.#db.query<{ message_id: string }>('SELECT message_id FROM signal_timestamps WHERE timestamp = $1 ORDER BY message_id', [signalTimestamp]);
    return rows.map((row) => row.message_id);
  }

  async purgeTimestamps(before: number, limit: number): Promise<number> {
    const { rowCount } = await this.#db.query(
      'DELETE FROM signal_timestamps WHERE (timestamp, message_id) IN (SELECT timestamp, message_id FROM signal_timestamps WHERE at < $1 LIMIT $2)',
      [before, limit],
    );
    return rowCount;
  }

  /** A state change: under the write lock, fenced when this view is, logged, then announced once committed. */
  async #change<T>(work: (tx: Queryable, queued: number) => Promise<{ result: T; changes: Parameters<typeof logChanges>[1] }>, now: number): Promise<T> {
    let logged: LoggedEvent[] = [];
    const result = await this.#db.write(async (tx, queued) => {
      await this.#checkFence(tx);
      const { result, changes } = await work(tx, queued);
      logged = await logChanges(tx, changes, now, this.#options.events);
      return result;
    });
    if (logged.length > 0) this.#options.events?.announce?.(logged);
    return result;
  }

  async #checkFence(tx: Queryable): Promise<void> {
    const fence = this.#options.fence;
    if (!fence) return;
    const { rowCount } = await tx.query('SELECT 1 FROM leases WHERE account = $1 AND epoch = $2 AND expires_at > tether_now_ms() FOR SHARE', [fence.account, fence.epoch]);
    if (rowCount === 0) throw new FencedError(`the lease at epoch ${fence.epoch} is no longer held (another instance leads, or it lapsed); nothing was changed`, fence.epoch);
  }
}
