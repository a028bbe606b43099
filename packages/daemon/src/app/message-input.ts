// Checks a `POST /v1/messages` body (DECISIONS.md §4, §8), one message or a batch of them, and
// turns it into a submission for the outbox. Every refusal names the field (for a batch, the
// item's index) and says what is wrong; nothing invalid reaches the outbox.
import { createHash } from 'node:crypto';
import { parseRecipient, parseRecipients, type OutgoingAttachment, type OutgoingMessage } from '@tether/signal-transport';
import { MAX_BATCH } from '../protocol/index.js';
import { StoredData } from './attachment-upload.js';
import { AppError } from './errors.js';
import type { NewMessage, Submission } from './ports.js';

export interface InputLimits {
  readonly maxAttachmentBytes: number;
  readonly now: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Recipients of one message: Signal's own limit for a group is 1,001 members. */
export const MAX_RECIPIENTS = 1_000;

/** A single message or `{ messages: [...] }`, with its idempotency key. */
export function parseSubmission(body: unknown, limits: InputLimits, idempotencyKey?: string): { readonly submission: Submission; readonly batch: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('invalid-body', 'the body must be a JSON object');
  const input = body as Record<string, unknown>;
  const batch = 'messages' in input;
  let messages: NewMessage[];
  if (batch) {
    const items = input['messages'];
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      throw new AppError('invalid-batch', `messages must be an array of 1 to ${MAX_BATCH} send requests`, { field: 'messages' });
    }
    if (Object.keys(input).some((key) => key !== 'messages')) throw new AppError('invalid-batch', 'a batch body holds only "messages"', { field: 'messages' });
    messages = items.map((item, index) => parseMessage(item, limits, `messages[${index}]`));
  } else {
    messages = [parseMessage(input, limits, undefined)];
  }
  const requestHash = hashOf(batch ? messages : messages[0]!);
  return { submission: { messages, requestHash, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }, batch };
}

/** What an Idempotency-Key is compared by; the compat endpoint hashes its sends the same way. */
export function hashOf(value: NewMessage | readonly NewMessage[]): string {
  // a stored attachment is compared by its bytes' hash, not by the blob that happens to hold them
  const bytes = (attachment: OutgoingAttachment): unknown =>
    attachment.blob ? { filename: attachment.filename, contentType: attachment.contentType, size: attachment.blob.size, sha256: attachment.blob.sha256 } : attachment;
  const plain = (item: NewMessage): unknown => [item.message.attachments ? { ...item.message, attachments: item.message.attachments.map(bytes) } : item.message, item.expiresAt ?? null];
  return createHash('sha256')
    .update(JSON.stringify(Array.isArray(value) ? ['batch', (value as readonly NewMessage[]).map(plain)] : plain(value as NewMessage)))
    .digest('hex');
}

function parseMessage(body: unknown, limits: InputLimits, at: string | undefined): NewMessage {
  const field = (name: string): string => (at === undefined ? name : `${at}.${name}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('invalid-body', `${at ?? 'the body'} must be a JSON object`, { field: at ?? 'body' });
  const input = body as Record<string, unknown>;
  if (Array.isArray(input['recipients']) && input['recipients'].length > MAX_RECIPIENTS) {
    throw new AppError('invalid-recipient', `a message can have at most ${MAX_RECIPIENTS} recipients; split the list over several messages`, { field: field('recipients') });
  }
  const recipients = parseRecipients(input['recipients']);
  if (!recipients.ok) {
    const where = recipients.error.index === undefined ? '' : ` (entry ${recipients.error.index + 1})`;
    throw new AppError('invalid-recipient', `${recipients.error.message}${where}`, { field: field('recipients') });
  }
  const text = input['message'];
  if (text !== undefined && typeof text !== 'string') throw new AppError('invalid-message', 'message must be a string', { field: field('message') });
  const attachments = parseAttachments(input['attachments'], limits.maxAttachmentBytes, field);
  if ((text === undefined || text === '') && attachments.length === 0) {
    throw new AppError('empty-message', 'a message needs text or at least one attachment', { field: field('message') });
  }
  let expiresAt: number | undefined;
  if (input['expiresAt'] !== undefined) {
    expiresAt = typeof input['expiresAt'] === 'string' ? Date.parse(input['expiresAt']) : Number.NaN;
    if (!Number.isFinite(expiresAt)) throw new AppError('invalid-expires-at', 'expiresAt must be an ISO-8601 time, e.g. 2026-12-01T12:00:00Z', { field: field('expiresAt') });
    if (expiresAt <= limits.now) throw new AppError('invalid-expires-at', 'expiresAt is in the past', { field: field('expiresAt') });
  }
  const message: OutgoingMessage = {
    recipients: folded(input['recipients'] as string[]),
    ...(text === undefined || text === '' ? {} : { message: text }),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
  return { message, ...(expiresAt === undefined ? {} : { expiresAt }) };
}

/** The recipients as written, each once (the same number written twice is one recipient). */
function folded(recipients: readonly string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const written of recipients) {
    const parsed = parseRecipient(written);
    const key = parsed.kind === 'error' ? written : `${parsed.kind}:${parsed.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(written.trim());
  }
  return kept;
}

function parseAttachments(value: unknown, maxBytes: number, field: (name: string) => string): OutgoingAttachment[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new AppError('invalid-attachments', 'attachments must be an array', { field: field('attachments') });
  let total = 0;
  return value.map((item: unknown, index) => {
    const where = field(`attachments[${index}]`);
    if (typeof item !== 'object' || item === null) throw new AppError('invalid-attachments', `${where} must be an object`, { field: where });
    const { filename, contentType, data } = item as Record<string, unknown>;
    if (typeof filename !== 'string' || filename === '' || /[/\\]/.test(filename)) throw new AppError('invalid-attachments', `${where}.filename must be a file name without a path`, { field: where });
    if (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(contentType)) throw new AppError('invalid-attachments', `${where}.contentType must be a MIME type like image/png`, { field: where });
    // the control API streams `data` into the blob store as it reads the body (StoredData); other callers give the base64
    if (data instanceof StoredData) {
      total += data.blob.size;
    } else {
      if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) throw new AppError('invalid-attachments', `${where}.data must be base64`, { field: where });
      if (data === '') throw new AppError('invalid-attachments', `${where}.data is empty; an attachment needs its bytes`, { field: where });
      total += Buffer.byteLength(data, 'base64');
    }
    if (total > maxBytes) throw new AppError('too-large', `attachments exceed ${Math.floor(maxBytes / 1024 / 1024)} MiB (TETHER_MAX_ATTACHMENT_MB)`, { field: where });
    return data instanceof StoredData ? { filename, contentType, blob: data.blob } : { filename, contentType, data };
  });
}
