// Intake on PostgreSQL: a group of requests (what arrived in one turn of the event loop) is one
// call of `tether_submit_group` (migrations.ts): one round trip and one transaction, which takes
// the write lock, then checks and writes each request in order under its own subtransaction (a
// savepoint): an idempotency key seen before replays or conflicts, a request without room is
// refused, a request the database refuses fails alone, and the others commit. Inserting a message
// links the blobs its attachments name (a trigger, migrations.ts); one naming a blob that is gone
// or linked already refuses its request whole. Ids, records and the `message` events' bodies are
// made here, so nothing but the event ids is read back.
import { AppError } from '../../app/errors.js';
import type { LoggedEvent, MessageRecord, Submission, SubmitResult } from '../../app/ports.js';
import { blobsNotKept, newMessageId, newRecord, toRecord } from '../records.js';
import type { Database } from './database.js';
import { BLOBS_NOT_KEPT } from './migrations.js';
import { RECORD_COLUMNS, type MessageEvents, type Row } from './message-rows.js';

interface Outcome {
  request: number;
  outcome: 'created' | 'replay' | 'conflict' | 'full' | 'failed';
  detail: string | null;
  event_ids: number[] | null;
}

export async function submitGroup(
  db: Database,
  submissions: readonly Submission[],
  now: number,
  options: { readonly maxQueued: number; readonly events: MessageEvents | undefined },
): Promise<{ results: SubmitResult[]; logged: LoggedEvent[] }> {
  const planned = submissions.map((submission) => submission.messages.map(({ message, expiresAt }) => newRecord(newMessageId(now), message, now, expiresAt)));
  const records = planned.flat();
  const data = options.events ? records.map((record) => JSON.stringify(options.events!.present(record))) : [];
  const { rows } = await db.query<Outcome>('SELECT request, outcome, detail, event_ids FROM tether_submit_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
    options.maxQueued,
    now,
    submissions.map((submission) => submission.idempotencyKey ?? null),
    submissions.map((submission) => submission.requestHash),
    submissions.map((submission) => submission.messages.length),
    records.map((record) => record.id),
    records.map((record) => JSON.stringify(record.payload)),
    records.map((record) => JSON.stringify(record.payload.recipients)),
    records.map((record) => record.expiresAt ?? null),
    data,
  ]);
  const created = new Map<string, MessageRecord>();
  const logged: LoggedEvent[] = [];
  const offsets = planned.map((_, index) => planned.slice(0, index).reduce((sum, each) => sum + each.length, 0));
  for (const row of rows) {
    if (row.outcome !== 'created') continue;
    const index = row.request - 1;
    for (const record of planned[index]!) created.set(record.id, record);
    (row.event_ids ?? []).forEach((id, position) => logged.push({ id, kind: 'message', at: now, data: data[offsets[index]! + position]! }));
  }
  const replayed = await replays(db, rows, created);
  const results = rows.map((row): SubmitResult => {
    const index = row.request - 1;
    switch (row.outcome) {
      case 'created':
        return { ok: true, created: true, records: planned[index]! };
      case 'replay':
        return { ok: true, created: false, records: (JSON.parse(row.detail!) as string[]).flatMap((id) => replayed.get(id) ?? []) };
      case 'conflict':
        return { ok: false, error: new AppError('idempotency-conflict', 'this Idempotency-Key was used for a different request', { field: 'Idempotency-Key' }) };
      case 'full':
        return { ok: false, error: outboxFull(Number(row.detail), submissions[index]!.messages.length, options.maxQueued) };
      case 'failed':
        if (row.detail?.startsWith(BLOBS_NOT_KEPT)) return { ok: false, error: blobsNotKept() };
        return { ok: false, error: new AppError('storage-failed', `the database refused this request (${row.detail}); nothing of it was accepted`) };
    }
  });
  return { results, logged };
}

/** The records that replayed requests name: made in this call, or read (purged ones are left out). */
async function replays(db: Database, rows: readonly Outcome[], created: Map<string, MessageRecord>): Promise<Map<string, MessageRecord>> {
  const found = new Map(created);
  const missing = rows.flatMap((row) => (row.outcome === 'replay' ? (JSON.parse(row.detail!) as string[]) : [])).filter((id) => !found.has(id));
  if (missing.length > 0) {
    const { rows: stored } = await db.query<Row>(`SELECT ${RECORD_COLUMNS} FROM messages WHERE id = ANY($1::text[])`, [missing]);
    for (const row of stored) found.set(row.id, toRecord(row));
  }
  return found;
}

function outboxFull(queued: number, size: number, maxQueued: number): AppError {
  const room = Math.max(0, maxQueued - queued);
  const what = size === 1 ? 'the message' : `${size} messages (room for ${room})`;
  return new AppError('outbox-full', `the outbox holds ${queued} queued messages, its limit is ${maxQueued} (TETHER_OUTBOX_MAX); ${what} not accepted, try again once it drains`);
}
