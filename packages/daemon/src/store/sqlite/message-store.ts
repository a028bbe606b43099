// The durable outbox on SQLite: core's OutboxStore plus the daemon's intake, lists, expiry,
// retention and the Signal-timestamp map for receipts. A message is committed before the API
// answers; order is the `position` column (a retry takes a new, last position); the head is the
// lowest position among queued rows. A record's backend id is Signal's timestamp (the
// `signal_timestamp` column). Counts by state are kept by triggers (see database.ts), so
// no operation here scans the backlog. Every change is logged as a `message` event in the same
// transaction: a crash can never keep a change and lose the event that tells about it.
import { ConflictError, OutboxFullError, patchRecord, type OutboxCounts, type RecordChange, type RecordPatch } from '@tether/core';
import type { OutgoingMessage } from '@tether/signal-transport';
import { AppError } from '../../app/errors.js';
import type { ListQuery, LoggedEvent, MessageRecord, MessageStore, MessageSummary, Submission, SubmitResult } from '../../app/ports.js';
import type { MessageState } from '../../protocol/index.js';
import { blobIds, blobsNotKept, newMessageId, newRecord, PATCH_COLUMNS, SUMMARY_COLUMNS, toRecord, toSummary, type MessageRow, type SummaryRow } from '../records.js';
import type { Db } from './database.js';
import type { SqliteEventStore } from './event-store.js';

/** How changes become `message` events: the event log, the event's body, and who hears of it once committed. */
export interface MessageEvents {
  readonly store: SqliteEventStore;
  readonly present: (record: MessageRecord) => unknown;
  readonly announce: (events: readonly LoggedEvent[]) => void;
}

interface Row extends MessageRow {
  position: number;
  ambiguous: number;
}

export class SqliteMessageStore implements MessageStore {
  readonly #db: Db;
  readonly #maxQueued: number;
  readonly #statements;
  readonly #updates = new Map<string, ReturnType<Db['prepare']>>();
  readonly #events: MessageEvents | undefined;
  /** Events logged inside the transaction in progress, announced once it commits. */
  #logged: LoggedEvent[] = [];
  #depth = 0;
  readonly #inTransaction: (work: () => unknown) => unknown;
  #nextPosition: number;

  constructor(db: Db, options: { readonly maxQueued: number; readonly events?: MessageEvents }) {
    this.#db = db;
    this.#maxQueued = options.maxQueued;
    this.#events = options.events;
    this.#inTransaction = db.transaction((work: () => unknown) => work());
    this.#statements = {
      insert: db.prepare(
        `INSERT INTO messages (id, position, state, payload, recipients, created_at, updated_at, expires_at)
         VALUES (@id, @position, 'queued', @payload, @recipients, @now, @now, @expiresAt)`,
      ),
      head: db.prepare(`SELECT * FROM messages WHERE state = 'queued' ORDER BY position LIMIT 1`),
      get: db.prepare('SELECT * FROM messages WHERE id = ?'),
      key: db.prepare('SELECT request_hash, message_ids FROM idempotency_keys WHERE key = ?'),
      rememberKey: db.prepare('INSERT INTO idempotency_keys (key, request_hash, message_ids, created_at) VALUES (?, ?, ?, ?)'),
      requeue: db.prepare(`UPDATE messages SET state = 'queued', position = ?, updated_at = ? WHERE id = ?`),
      inState: db.prepare('SELECT * FROM messages WHERE state = ? ORDER BY position'),
      counts: db.prepare('SELECT state, count FROM message_counts'),
      queued: db.prepare(`SELECT count FROM message_counts WHERE state = 'queued'`),
      maxPosition: db.prepare('SELECT COALESCE(MAX(position), 0) AS position FROM messages'),
      position: db.prepare('SELECT position FROM messages WHERE id = ?'),
      list: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM messages WHERE position < @before ORDER BY position DESC LIMIT @limit`),
      listState: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM messages WHERE state = @state AND position < @before ORDER BY position DESC LIMIT @limit`),
      // INDEXED BY: with few rows the planner would take the state index and sort the queue
      due: db.prepare(`SELECT id FROM messages INDEXED BY messages_expiring WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`),
      nextExpiry: db.prepare(`SELECT MIN(expires_at) AS at FROM messages INDEXED BY messages_expiring WHERE state = 'queued' AND expires_at IS NOT NULL`),
      purgeFinished: db.prepare(
        `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE state IN ('sent', 'delivered', 'read', 'failed') AND updated_at < ? LIMIT ?)`,
      ),
      purgeKeys: db.prepare('DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE created_at < ? LIMIT ?)'),
      remember: db.prepare('INSERT INTO signal_timestamps (timestamp, message_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      lookup: db.prepare('SELECT message_id FROM signal_timestamps WHERE timestamp = ?'),
      purgeTimestamps: db.prepare('DELETE FROM signal_timestamps WHERE rowid IN (SELECT rowid FROM signal_timestamps WHERE at < ? LIMIT ?)'),
      blobFree: db.prepare('SELECT 1 FROM blobs WHERE id = ? AND message_id IS NULL AND created_at > 0'),
      linkBlob: db.prepare('UPDATE blobs SET message_id = ? WHERE id = ?'),
    };
    this.#nextPosition = (this.#statements.maxPosition.get() as { position: number }).position + 1;
  }

  /** Core's single add (tests, embedders); the daemon commits through `submit`. */
  add(payload: OutgoingMessage, options: { readonly now: number; readonly expiresAt?: number }): MessageRecord {
    const [result] = this.submit([{ messages: [{ message: payload, ...options }], requestHash: '' }], options.now);
    if (!result!.ok) throw result!.error.code === 'outbox-full' ? new OutboxFullError(result!.error.message) : result!.error;
    return result!.records[0]!;
  }

  submit(submissions: readonly Submission[], now: number): SubmitResult[] {
    return this.#transaction(() => submissions.map((submission) => this.#submitOne(submission, now)));
  }

  #submitOne(submission: Submission, now: number): SubmitResult {
    const { idempotencyKey, requestHash } = submission;
    if (idempotencyKey !== undefined) {
      const known = this.#statements.key.get(idempotencyKey) as { request_hash: string; message_ids: string } | undefined;
      if (known) {
        if (known.request_hash !== requestHash) {
          return { ok: false, error: new AppError('idempotency-conflict', 'this Idempotency-Key was used for a different request', { field: 'Idempotency-Key' }) };
        }
        const records = (JSON.parse(known.message_ids) as string[]).map((id) => this.get(id)).filter((record) => record !== undefined);
        return { ok: true, created: false, records };
      }
    }
    const queued = this.queuedCount();
    if (queued + submission.messages.length > this.#maxQueued) {
      const room = Math.max(0, this.#maxQueued - queued);
      const what = submission.messages.length === 1 ? 'the message' : `${submission.messages.length} messages (room for ${room})`;
      return { ok: false, error: new AppError('outbox-full', `the outbox holds ${queued} queued messages, its limit is ${this.#maxQueued} (TETHER_OUTBOX_MAX); ${what} not accepted, try again once it drains`) };
    }
    const blobs = submission.messages.map(({ message }) => blobIds(message));
    if (blobs.some((each) => each.some((blob) => this.#statements.blobFree.get(blob) === undefined))) return { ok: false, error: blobsNotKept() };
    const records = submission.messages.map(({ message, expiresAt }, index) => {
      const id = newMessageId(now);
      for (const blob of blobs[index]!) this.#statements.linkBlob.run(id, blob);
      this.#statements.insert.run({
        id,
        position: this.#nextPosition++,
        payload: JSON.stringify(message),
        recipients: JSON.stringify(message.recipients),
        now,
        expiresAt: expiresAt ?? null,
      });
      return this.#log(newRecord(id, message, now, expiresAt), now);
    });
    if (idempotencyKey !== undefined) this.#statements.rememberKey.run(idempotencyKey, requestHash, JSON.stringify(records.map((each) => each.id)), now);
    return { ok: true, created: true, records };
  }

  head(): MessageRecord | undefined {
    const row = this.#statements.head.get() as Row | undefined;
    return row && toRecord(row);
  }

  get(id: string): MessageRecord | undefined {
    const row = this.#statements.get.get(id) as Row | undefined;
    return row && toRecord(row);
  }

  update(id: string, patch: RecordPatch, now: number): MessageRecord {
    return this.#transaction(() => {
      this.#write(id, patch, now, undefined);
      return this.#log(this.get(id)!, now);
    });
  }

  /** The outbox's batched write: an outcome and the next claim in one transaction, nothing read back. */
  updateMany(changes: readonly RecordChange<MessageRecord['payload']>[], now: number): void {
    this.#transaction(() => {
      for (const { record, patch, expect } of changes) {
        this.#write(record.id, patch, now, expect);
        this.#log(patchRecord(record, patch, now), now);
      }
    });
  }

  /** One UPDATE (only while the state is `expect`, when given); remembers a Signal timestamp it sets. */
  #write(id: string, patch: RecordPatch, now: number, expect: MessageState | undefined): void {
    const sets = ['updated_at = @now'];
    const values: Record<string, unknown> = { id, now };
    for (const [key, value] of Object.entries(patch) as [keyof RecordPatch, unknown][]) {
      const column = PATCH_COLUMNS[key];
      sets.push(`${column} = @${column}`);
      values[column] = typeof value === 'boolean' ? Number(value) : (value ?? null);
    }
    if (expect !== undefined) values['expect'] = expect;
    const sql = `UPDATE messages SET ${sets.join(', ')} WHERE id = @id${expect === undefined ? '' : ' AND state = @expect'}`;
    let statement = this.#updates.get(sql);
    if (!statement) this.#updates.set(sql, (statement = this.#db.prepare(sql)));
    if (statement.run(values).changes === 0) throw new ConflictError(expect === undefined ? `no message ${id}` : `message ${id} is no longer ${expect}`);
    // receipts name a message by its Signal timestamp, also after its row is purged
    if (patch.backendId !== undefined) this.#statements.remember.run(Number(patch.backendId), id, now);
  }

  /** Core's receipt lookup: the messages sent with this Signal timestamp that still have a row. */
  findByBackendId(backendId: string): MessageRecord[] {
    return this.idsForTimestamp(Number(backendId)).flatMap((id) => this.get(id) ?? []);
  }

  requeue(id: string, now: number): MessageRecord {
    if (this.queuedCount() >= this.#maxQueued) throw new OutboxFullError(`the outbox holds ${this.#maxQueued} queued messages (TETHER_OUTBOX_MAX)`);
    return this.#transaction(() => {
      const result = this.#statements.requeue.run(this.#nextPosition++, now, id);
      if (result.changes === 0) throw new ConflictError(`no message ${id}`);
      return this.#log(this.get(id)!, now);
    });
  }

  /** Runs `work` in one transaction; the message events it logged are announced after the commit. */
  #transaction<T>(work: () => T): T {
    if (this.#depth > 0) return work();
    this.#depth++;
    let result: T;
    try {
      result = this.#inTransaction(work) as T;
    } catch (error) {
      this.#logged = [];
      throw error;
    } finally {
      this.#depth--;
    }
    const logged = this.#logged;
    this.#logged = [];
    if (logged.length > 0) this.#events?.announce(logged);
    return result;
  }

  #log(record: MessageRecord, now: number): MessageRecord {
    if (this.#events) {
      const event = this.#events.store.appendWithin({ kind: 'message', at: now, data: this.#events.present(record) });
      if (event) this.#logged.push(event);
    }
    return record;
  }

  inState(state: MessageState): MessageRecord[] {
    return (this.#statements.inState.all(state) as Row[]).map(toRecord);
  }

  counts(): OutboxCounts {
    const counts = { queued: 0, sending: 0, failed: 0, unknown: 0 };
    for (const row of this.#statements.counts.all() as { state: string; count: number }[]) {
      if (row.state in counts) counts[row.state as keyof typeof counts] = row.count;
    }
    const head = counts.queued > 0 ? this.head() : undefined;
    return head ? { ...counts, oldestQueuedAt: head.createdAt } : counts;
  }

  queuedCount(): number {
    return (this.#statements.queued.get() as { count: number } | undefined)?.count ?? 0;
  }

  list(query: ListQuery): MessageSummary[] {
    let before = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const row = this.#statements.position.get(query.before) as { position: number } | undefined;
      if (!row) throw new AppError('invalid-cursor', `no message ${query.before} to page before`, { field: 'before' });
      before = row.position;
    }
    const rows = (query.state === undefined
      ? this.#statements.list.all({ before, limit: query.limit })
      : this.#statements.listState.all({ state: query.state, before, limit: query.limit })) as SummaryRow[];
    return rows.map(toSummary);
  }

  dueToExpire(now: number, limit: number): string[] {
    return (this.#statements.due.all(now, limit) as { id: string }[]).map((row) => row.id);
  }

  nextExpiry(): number | undefined {
    return (this.#statements.nextExpiry.get() as { at: number | null }).at ?? undefined;
  }

  purgeFinished(before: number, limit: number): number {
    return this.#transaction(() => {
      const removed = this.#statements.purgeFinished.run(before, limit).changes;
      this.#statements.purgeKeys.run(before, limit);
      return removed;
    });
  }

  idsForTimestamp(signalTimestamp: number): string[] {
    return (this.#statements.lookup.all(signalTimestamp) as { message_id: string }[]).map((row) => row.message_id);
  }

  purgeTimestamps(before: number, limit: number): number {
    return this.#statements.purgeTimestamps.run(before, limit).changes;
  }
}

