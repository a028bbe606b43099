// What every store agrees on about message rows: how a new message's id and first record are
// made, which column each record field lives in, and how a row reads back as a record.
import { randomBytes } from 'node:crypto';
import type { RecordPatch } from '@tether/core';
import type { OutgoingMessage } from '@tether/signal-transport';
import { AppError } from '../app/errors.js';
import type { MessageRecord, MessageSummary } from '../app/ports.js';
import type { MessageState } from '../protocol/index.js';

/** A `messages` row as both stores read it (SQLite keeps booleans as 0 or 1). */
export interface MessageRow {
  id: string;
  state: MessageState;
  payload: string;
  created_at: number;
  updated_at: number;
  attempts: number;
  ambiguous: boolean | number;
  unknown_resends: number;
  retriable_failures: number;
  signal_timestamp: number | null;
  error: string | null;
  expires_at: number | null;
}

export type SummaryRow = Omit<MessageRow, 'payload' | 'unknown_resends' | 'retriable_failures'> & { recipients: string };

export const SUMMARY_COLUMNS = 'id, state, recipients, created_at, updated_at, attempts, ambiguous, signal_timestamp, error, expires_at';

export const PATCH_COLUMNS: Record<keyof RecordPatch, string> = {
  state: 'state',
  attempts: 'attempts',
  ambiguous: 'ambiguous',
  unknownResends: 'unknown_resends',
  retriableFailures: 'retriable_failures',
  backendId: 'signal_timestamp',
  error: 'error',
};

export function toRecord(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    payload: JSON.parse(row.payload) as OutgoingMessage,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempts: row.attempts,
    ambiguous: row.ambiguous === true || row.ambiguous === 1,
    unknownResends: row.unknown_resends,
    retriableFailures: row.retriable_failures,
    ...(row.signal_timestamp === null ? {} : { backendId: String(row.signal_timestamp) }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
  };
}

export function toSummary(row: SummaryRow): MessageSummary {
  return {
    id: row.id,
    state: row.state,
    recipients: JSON.parse(row.recipients) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempts: row.attempts,
    ambiguous: row.ambiguous === true || row.ambiguous === 1,
    ...(row.signal_timestamp === null ? {} : { signalTimestamp: row.signal_timestamp }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
  };
}

/** Random bytes per id: 48 bits, so that a million ids made in the same millisecond (a group commit of large batches, on several instances) still do not collide (p ≈ 2^-9 for 10^6 ids in one ms; 2^-27 for a group of 2,000). */
const RANDOM_BYTES = 6;
/** Random bytes drawn in blocks: one call into the system's generator per 1,024 ids, not per id. */
let entropy = Buffer.alloc(0);
let drawn = 0;

/** Sortable by time, unguessable, short enough to type: `m` + base36 ms + 12 random hex. */
export function newMessageId(now: number): string {
  if (drawn + RANDOM_BYTES > entropy.length) {
    entropy = randomBytes(RANDOM_BYTES * 1_024);
    drawn = 0;
  }
  drawn += RANDOM_BYTES;
  return `m${now.toString(36)}${entropy.toString('hex', drawn - RANDOM_BYTES, drawn)}`;
}

/** A fresh queued record, as `submit` creates it. */
export function newRecord(id: string, payload: OutgoingMessage, now: number, expiresAt: number | undefined): MessageRecord {
  return {
    id,
    payload,
    state: 'queued',
    createdAt: now,
    updatedAt: now,
    attempts: 0,
    ambiguous: false,
    unknownResends: 0,
    retriableFailures: 0,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** The blobs a message's attachments name (bytes kept beside the row). */
export function blobIds(message: OutgoingMessage): string[] {
  return (message.attachments ?? []).flatMap((attachment) => (attachment.blob ? [attachment.blob.id] : []));
}

/** What `BlobStore.read` rejects with when the blob is gone. */
export function blobMissing(id: string): Error {
  return Object.assign(new Error(`the attachment's bytes (blob ${id}) are no longer stored`), { code: 'blob-missing' });
}

/** A submission naming a blob that is gone or linked already: nothing of the request is kept. */
export function blobsNotKept(): AppError {
  return new AppError('storage-failed', "an attachment's bytes were not kept while the request was read; send the request again", { retryAfterSeconds: 1 });
}
