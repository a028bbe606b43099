// Intake on PostgreSQL: a group of requests (what arrived in one turn of the event loop) is one
// transaction under the write lock. Each request is checked first (its idempotency key, the room
// left in the outbox), then every accepted message, its `message` event and the keys are written
// in one statement: four round trips for the whole group (BEGIN with the lock and the queued
// count, the keys when a request has one, the write, COMMIT). Should the database refuse that statement,
// the group is written again request by request, each under its own savepoint, so that a request
// the database refuses fails alone and the others commit (all or nothing per request).
import { AppError } from '../../app/errors.js';
import type { LoggedEvent, MessageRecord, Submission, SubmitResult } from '../../app/ports.js';
import { newMessageId } from '../sqlite/message-store.js';
import type { Queryable } from './database.js';
import { newRecord, RECORD_COLUMNS, toRecord, type MessageEvents, type Row } from './message-rows.js';

type Planned = { readonly result: SubmitResult } | { readonly create: Submission & { readonly records: readonly MessageRecord[] } };

export async function submitGroup(
  tx: Queryable,
  queuedBefore: number,
  submissions: readonly Submission[],
  now: number,
  options: { readonly maxQueued: number; readonly events: MessageEvents | undefined; readonly oneByOne: boolean },
): Promise<{ results: SubmitResult[]; logged: LoggedEvent[] }> {
  const keys = submissions.flatMap((submission) => (submission.idempotencyKey === undefined ? [] : [submission.idempotencyKey]));
  const known = new Map<string, { hash: string; ids: string[] }>();
  if (keys.length > 0) {
    const { rows } = await tx.query<{ key: string; request_hash: string; message_ids: string }>('SELECT key, request_hash, message_ids FROM idempotency_keys WHERE key = ANY($1::text[])', [keys]);
    for (const row of rows) known.set(row.key, { hash: row.request_hash, ids: JSON.parse(row.message_ids) as string[] });
  }
  let queued = queuedBefore;
  const inGroup = new Map<string, MessageRecord>();
  const planned: Planned[] = [];
  for (const submission of submissions) {
    const plan = planOne(submission, { queued, maxQueued: options.maxQueued, known, now });
    if ('create' in plan) {
      queued += plan.create.records.length;
      for (const record of plan.create.records) inGroup.set(record.id, record);
    }
    planned.push(plan);
  }
  const logged: LoggedEvent[] = [];
  const failed = new Set<number>();
  const creating = planned.flatMap((plan, index) => ('create' in plan ? [{ index, create: plan.create }] : []));
  if (!options.oneByOne) logged.push(...(await insert(tx, creating.map((entry) => entry.create), now, options.events)));
  else {
    for (const { index, create } of creating) {
      await tx.query('SAVEPOINT request');
      try {
        logged.push(...(await insert(tx, [create], now, options.events)));
        await tx.query('RELEASE SAVEPOINT request');
      } catch {
        await tx.query('ROLLBACK TO SAVEPOINT request');
        failed.add(index);
      }
    }
  }
  const replayed = await replays(tx, planned, inGroup, failed);
  const results = planned.map((plan, index): SubmitResult => {
    if ('result' in plan) return plan.result.ok && !plan.result.created ? { ok: true, created: false, records: plan.result.records.map((record) => replayed.get(record.id) ?? record).filter(isStored) } : plan.result;
    if (failed.has(index)) return { ok: false, error: new AppError('storage-failed', 'the database refused this request; nothing of it was accepted') };
    return { ok: true, created: true, records: plan.create.records };
  });
  return { results, logged };
}

function planOne(
  submission: Submission,
  context: { readonly queued: number; readonly maxQueued: number; readonly known: Map<string, { hash: string; ids: string[] }>; readonly now: number },
): Planned {
  const { idempotencyKey, requestHash } = submission;
  const seen = idempotencyKey === undefined ? undefined : context.known.get(idempotencyKey);
  if (seen) {
    if (seen.hash !== requestHash) {
      return { result: { ok: false, error: new AppError('idempotency-conflict', 'this Idempotency-Key was used for a different request', { field: 'Idempotency-Key' }) } };
    }
    // the records are read (or taken from this group) once the writes are done
    return { result: { ok: true, created: false, records: seen.ids.map((id) => ({ id }) as MessageRecord) } };
  }
  const { queued, maxQueued } = context;
  if (queued + submission.messages.length > maxQueued) {
    const room = Math.max(0, maxQueued - queued);
    const what = submission.messages.length === 1 ? 'the message' : `${submission.messages.length} messages (room for ${room})`;
    return {
      result: { ok: false, error: new AppError('outbox-full', `the outbox holds ${queued} queued messages, its limit is ${maxQueued} (TETHER_OUTBOX_MAX); ${what} not accepted, try again once it drains`) },
    };
  }
  const records = submission.messages.map(({ message, expiresAt }) => newRecord(newMessageId(context.now), message, context.now, expiresAt));
  if (idempotencyKey !== undefined) context.known.set(idempotencyKey, { hash: requestHash, ids: records.map((record) => record.id) });
  return { create: { ...submission, records } };
}

/** The records replayed requests name: from this group where they were just created, else from the table. */
async function replays(tx: Queryable, planned: readonly Planned[], inGroup: Map<string, MessageRecord>, failed: Set<number>): Promise<Map<string, MessageRecord | undefined>> {
  const lost = new Set(planned.flatMap((plan, index) => ('create' in plan && failed.has(index) ? plan.create.records.map((record) => record.id) : [])));
  const wanted = planned.flatMap((plan) => ('result' in plan && plan.result.ok ? plan.result.records.map((record) => record.id) : []));
  const found = new Map<string, MessageRecord | undefined>();
  const missing = wanted.filter((id) => !inGroup.has(id));
  if (missing.length > 0) {
    const { rows } = await tx.query<Row>(`SELECT ${RECORD_COLUMNS} FROM messages WHERE id = ANY($1::text[])`, [missing]);
    for (const row of rows) found.set(row.id, toRecord(row));
  }
  for (const id of wanted) if (!found.has(id)) found.set(id, lost.has(id) ? undefined : inGroup.get(id));
  return found;
}

const isStored = (record: MessageRecord | undefined): record is MessageRecord => record !== undefined && 'state' in record;

async function insert(tx: Queryable, requests: readonly { readonly records: readonly MessageRecord[]; readonly idempotencyKey?: string; readonly requestHash: string }[], now: number, events: MessageEvents | undefined): Promise<LoggedEvent[]> {
  const records = requests.flatMap((request) => request.records);
  if (records.length === 0) return [];
  const keyed = requests.filter((request) => request.idempotencyKey !== undefined);
  const data = events ? records.map((record) => JSON.stringify(events.present(record))) : [];
  const { rows } = await tx.query<{ id: number }>(
    `WITH inserted AS (
       INSERT INTO messages (id, position, state, payload, recipients, created_at, updated_at, expires_at)
       SELECT id, nextval('message_positions'), 'queued', payload, recipients, $5, $5, expires_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS incoming (id, payload, recipients, expires_at, ordinal)
       ORDER BY ordinal
     ), keys AS (
       INSERT INTO idempotency_keys (key, request_hash, message_ids, created_at)
       SELECT key, request_hash, message_ids, $5 FROM unnest($6::text[], $7::text[], $8::text[]) AS keyed (key, request_hash, message_ids)
     )
     INSERT INTO events (kind, at, data)
     SELECT 'message', $5, data FROM unnest($9::text[]) WITH ORDINALITY AS logged (data, ordinal) ORDER BY ordinal
     RETURNING id`,
    [
      records.map((record) => record.id),
      records.map((record) => JSON.stringify(record.payload)),
      records.map((record) => JSON.stringify(record.payload.recipients)),
      records.map((record) => record.expiresAt ?? null),
      now,
      keyed.map((request) => request.idempotencyKey),
      keyed.map((request) => request.requestHash),
      keyed.map((request) => JSON.stringify(request.records.map((record) => record.id))),
      data,
    ],
  );
  const ids = rows.map((row) => row.id).sort((a, b) => a - b);
  return ids.map((id, index) => ({ id, kind: 'message', at: now, data: data[index]! }));
}
