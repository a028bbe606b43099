// The durable outbox: core's OutboxStore on SQLite. A message is committed before the API
// answers; order is the `position` column (a retry takes a new, last position); the head is the
// lowest position among queued rows. Sent rows stay for the retention time.
import { ConflictError, OutboxFullError, type MessageState, type OutboxCounts, type OutboxRecord, type OutboxStore, type RecordPatch } from '@tether/core';
import type { OutgoingMessage } from '@tether/signal-transport';
import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

interface Row {
  id: string;
  position: number;
  state: MessageState;
  payload: string;
  created_at: number;
  updated_at: number;
  attempts: number;
  ambiguous: number;
  unknown_resends: number;
  retriable_failures: number;
  signal_timestamp: number | null;
  error: string | null;
  expires_at: number | null;
}

export interface StoredSummary {
  readonly id: string;
  readonly state: MessageState;
  readonly recipients: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly attempts: number;
  readonly ambiguous: boolean;
  readonly signalTimestamp?: number;
  readonly error?: string;
  readonly expiresAt?: number;
}

const PATCH_COLUMNS: Record<keyof RecordPatch, string> = {
  state: 'state',
  attempts: 'attempts',
  ambiguous: 'ambiguous',
  unknownResends: 'unknown_resends',
  retriableFailures: 'retriable_failures',
  // core's backend id is Signal's timestamp here, kept in its numeric column
  backendId: 'signal_timestamp',
  error: 'error',
};

export class SqliteOutboxStore implements OutboxStore<OutgoingMessage> {
  readonly #db: Db;
  readonly #maxQueued: number;
  readonly #statements;
  readonly #updates = new Map<string, ReturnType<Db['prepare']>>();
  #nextPosition: number;

  constructor(db: Db, options: { readonly maxQueued: number }) {
    this.#db = db;
    this.#maxQueued = options.maxQueued;
    this.#statements = {
      insert: db.prepare(
        `INSERT INTO messages (id, position, state, payload, recipients, created_at, updated_at, expires_at, idempotency_key, request_hash)
         VALUES (@id, @position, 'queued', @payload, @recipients, @now, @now, @expiresAt, @idempotencyKey, @requestHash)`,
      ),
      head: db.prepare(`SELECT * FROM messages WHERE state = 'queued' ORDER BY position LIMIT 1`),
      get: db.prepare('SELECT * FROM messages WHERE id = ?'),
      byKey: db.prepare('SELECT id, request_hash FROM messages WHERE idempotency_key = ?'),
      requeue: db.prepare(`UPDATE messages SET state = 'queued', position = ?, updated_at = ? WHERE id = ?`),
      inState: db.prepare('SELECT * FROM messages WHERE state = ? ORDER BY position'),
      counts: db.prepare('SELECT state, COUNT(*) AS count FROM messages GROUP BY state'),
      queued: db.prepare(`SELECT COUNT(*) AS count FROM messages WHERE state = 'queued'`),
      maxPosition: db.prepare('SELECT COALESCE(MAX(position), 0) AS position FROM messages'),
      list: db.prepare(
        `SELECT id, state, recipients, created_at, updated_at, attempts, ambiguous, signal_timestamp, error, expires_at FROM messages
         WHERE (@state IS NULL OR state = @state) ORDER BY position DESC LIMIT @limit`,
      ),
      bySignalTimestamp: db.prepare('SELECT id FROM messages WHERE signal_timestamp = ?'),
      due: db.prepare(`SELECT id FROM messages WHERE state = 'queued' AND expires_at <= ? ORDER BY position`),
      nextExpiry: db.prepare(`SELECT MIN(expires_at) AS at FROM messages WHERE state = 'queued' AND expires_at IS NOT NULL`),
      purgeSent: db.prepare(`DELETE FROM messages WHERE state IN ('sent', 'delivered', 'read', 'failed') AND updated_at < ?`),
    };
    this.#nextPosition = (this.#statements.maxPosition.get() as { position: number }).position + 1;
  }

  add(payload: OutgoingMessage, options: { readonly now: number; readonly expiresAt?: number; readonly idempotencyKey?: string; readonly requestHash?: string }): OutboxRecord<OutgoingMessage> {
    if (this.queuedCount() >= this.#maxQueued) throw new OutboxFullError(`the outbox holds ${this.#maxQueued} queued messages (TETHER_OUTBOX_MAX); try again once it drains`);
    const id = newMessageId(options.now);
    this.#statements.insert.run({
      id,
      position: this.#nextPosition++,
      payload: JSON.stringify(payload),
      recipients: JSON.stringify(payload.recipients),
      now: options.now,
      expiresAt: options.expiresAt ?? null,
      idempotencyKey: options.idempotencyKey ?? null,
      requestHash: options.requestHash ?? null,
    });
    return this.get(id)!;
  }

  /** The message committed earlier under this idempotency key, with the hash of its request. */
  findByIdempotencyKey(key: string): { readonly id: string; readonly requestHash: string | null } | undefined {
    const row = this.#statements.byKey.get(key) as { id: string; request_hash: string | null } | undefined;
    return row && { id: row.id, requestHash: row.request_hash };
  }

  head(): OutboxRecord<OutgoingMessage> | undefined {
    const row = this.#statements.head.get() as Row | undefined;
    return row && toRecord(row);
  }

  get(id: string): OutboxRecord<OutgoingMessage> | undefined {
    const row = this.#statements.get.get(id) as Row | undefined;
    return row && toRecord(row);
  }

  update(id: string, patch: RecordPatch, now: number): OutboxRecord<OutgoingMessage> {
    const sets = ['updated_at = @now'];
    const values: Record<string, unknown> = { id, now };
    for (const [key, value] of Object.entries(patch) as [keyof RecordPatch, unknown][]) {
      const column = PATCH_COLUMNS[key];
      sets.push(`${column} = @${column}`);
      values[column] = key === 'backendId' ? (value === undefined ? null : Number(value)) : typeof value === 'boolean' ? Number(value) : (value ?? null);
    }
    const sql = `UPDATE messages SET ${sets.join(', ')} WHERE id = @id`;
    let statement = this.#updates.get(sql);
    if (!statement) this.#updates.set(sql, (statement = this.#db.prepare(sql)));
    const result = statement.run(values);
    if (result.changes === 0) throw new ConflictError(`no message ${id}`);
    return this.get(id)!;
  }

  requeue(id: string, now: number): OutboxRecord<OutgoingMessage> {
    if (this.queuedCount() >= this.#maxQueued) throw new OutboxFullError(`the outbox holds ${this.#maxQueued} queued messages (TETHER_OUTBOX_MAX)`);
    const result = this.#statements.requeue.run(this.#nextPosition++, now, id);
    if (result.changes === 0) throw new ConflictError(`no message ${id}`);
    return this.get(id)!;
  }

  inState(state: MessageState): OutboxRecord<OutgoingMessage>[] {
    return (this.#statements.inState.all(state) as Row[]).map(toRecord);
  }

  counts(): OutboxCounts {
    const counts = { queued: 0, sending: 0, failed: 0, unknown: 0 };
    for (const row of this.#statements.counts.all() as { state: string; count: number }[]) {
      if (row.state in counts) counts[row.state as keyof typeof counts] = row.count;
    }
    const head = this.head();
    return head ? { ...counts, oldestQueuedAt: head.createdAt } : counts;
  }

  queuedCount(): number {
    return (this.#statements.queued.get() as { count: number }).count;
  }

  /** Newest first, without bodies. */
  list(options: { readonly state?: MessageState; readonly limit: number }): StoredSummary[] {
    const rows = this.#statements.list.all({ state: options.state ?? null, limit: options.limit }) as (Omit<Row, 'payload' | 'position' | 'unknown_resends' | 'retriable_failures'> & { recipients: string })[];
    return rows.map((row) => ({
      id: row.id,
      state: row.state,
      recipients: JSON.parse(row.recipients) as string[],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      attempts: row.attempts,
      ambiguous: row.ambiguous === 1,
      ...(row.signal_timestamp === null ? {} : { signalTimestamp: row.signal_timestamp }),
      ...(row.error === null ? {} : { error: row.error }),
      ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    }));
  }

  /** Ids of messages with this Signal timestamp (delivery and read receipts name it). */
  idsBySignalTimestamp(timestamp: number): string[] {
    return (this.#statements.bySignalTimestamp.all(timestamp) as { id: string }[]).map((row) => row.id);
  }

  /** Queued messages whose expiry has passed. */
  dueToExpire(now: number): string[] {
    return (this.#statements.due.all(now) as { id: string }[]).map((row) => row.id);
  }

  /** The earliest expiry among queued messages. */
  nextExpiry(): number | undefined {
    return (this.#statements.nextExpiry.get() as { at: number | null }).at ?? undefined;
  }

  /** Deletes finished messages last changed before `before`. */
  purgeFinished(before: number): number {
    return this.#statements.purgeSent.run(before).changes;
  }
}

/** Sortable by time, unguessable, short enough to type: `m` + base36 ms + 8 random hex. */
export function newMessageId(now: number): string {
  return `m${now.toString(36)}${randomBytes(4).toString('hex')}`;
}

function toRecord(row: Row): OutboxRecord<OutgoingMessage> {
  return {
    id: row.id,
    payload: JSON.parse(row.payload) as OutgoingMessage,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempts: row.attempts,
    ambiguous: row.ambiguous === 1,
    unknownResends: row.unknown_resends,
    retriableFailures: row.retriable_failures,
    ...(row.signal_timestamp === null ? {} : { backendId: String(row.signal_timestamp) }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
  };
}
