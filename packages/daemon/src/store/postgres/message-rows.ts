// PostgreSQL's side of the `messages` rows (the shared mapping is in ../records.ts): the UPDATE a patch
// becomes, and how a change's record is logged as a `message` event (with the Signal timestamp
// it sets) in one statement. Columns match SQLite's; bigint values are read back as numbers.
import type { RecordPatch } from '@tether/core';
import type { LoggedEvent, MessageRecord } from '../../app/ports.js';
import type { MessageState } from '../../protocol/index.js';
import { PATCH_COLUMNS, type MessageRow } from '../records.js';
import type { Queryable } from './database.js';

export interface Row extends MessageRow {
  recipients: string;
  ambiguous: boolean;
}

export const RECORD_COLUMNS = 'id, state, payload, recipients, created_at, updated_at, attempts, ambiguous, unknown_resends, retriable_failures, signal_timestamp, error, expires_at';

/** The column's value for a patch field: a backend id is Signal's numeric timestamp. */
export function columnValue(key: keyof RecordPatch, value: unknown): unknown {
  if (value === undefined) return null;
  if (key === 'backendId') {
    const timestamp = Number(value);
    return Number.isSafeInteger(timestamp) ? timestamp : null;
  }
  return value;
}

/** How changes become `message` events: the event's body, and who hears of committed ones. */
export interface MessageEvents {
  readonly present: (record: MessageRecord) => unknown;
  readonly announce?: (events: readonly LoggedEvent[]) => void;
}

/**
 * Remembers the Signal timestamps set by these changes and logs each record as a `message` event,
 * in order, in one statement of the caller's transaction (which holds the write lock, so the
 * ids are consecutive and visible in commit order). Returns the events logged.
 */
export async function logChanges(
  tx: Queryable,
  changes: readonly { readonly record: MessageRecord; readonly timestamp?: number | null | undefined }[],
  now: number,
  events: MessageEvents | undefined,
): Promise<LoggedEvent[]> {
  const remembered = changes.filter((change) => change.timestamp !== undefined && change.timestamp !== null);
  const data = events ? changes.map((change) => JSON.stringify(events.present(change.record))) : [];
  if (remembered.length === 0 && data.length === 0) return [];
  const { rows } = await tx.query<{ id: number }>(
    `WITH remembered AS (
       INSERT INTO signal_timestamps (timestamp, message_id, at)
       SELECT timestamp, message_id, $3 FROM unnest($1::bigint[], $2::text[]) AS changes (timestamp, message_id)
       ON CONFLICT DO NOTHING
     )
     INSERT INTO events (kind, at, data)
     SELECT 'message', $3, data FROM unnest($4::text[]) WITH ORDINALITY AS logged (data, ordinal) ORDER BY ordinal
     RETURNING id`,
    [remembered.map((change) => change.timestamp), remembered.map((change) => change.record.id), now, data],
  );
  const ids = rows.map((row) => row.id).sort((a, b) => a - b);
  return ids.map((id, index) => ({ id, kind: 'message', at: now, data: data[index]! }));
}

/** One UPDATE of a message (only while its state is `expect`, when given). */
export function updateStatement(id: string, patch: RecordPatch, now: number, expect: MessageState | undefined): { sql: string; values: unknown[] } {
  const values: unknown[] = [id, now];
  const sets = ['updated_at = $2'];
  for (const [key, value] of Object.entries(patch) as [keyof RecordPatch, unknown][]) {
    values.push(columnValue(key, value));
    sets.push(`${PATCH_COLUMNS[key]} = $${values.length}`);
  }
  let where = 'id = $1';
  if (expect !== undefined) {
    values.push(expect);
    where += ` AND state = $${values.length}`;
  }
  return { sql: `UPDATE messages SET ${sets.join(', ')} WHERE ${where}`, values };
}
