// Checks a `POST /v1/messages` body (DECISIONS.md §4, §8) and turns it into an outgoing message.
// Every refusal names the field and says what is wrong; nothing invalid reaches the outbox.
import { createHash } from 'node:crypto';
import { parseRecipients, type OutgoingMessage } from '@tether/signal-transport';
import { ApiError } from './http-util.js';

export interface MessageInput {
  readonly message: OutgoingMessage;
  readonly expiresAt?: number;
  /** Hash of the request, for idempotency-key comparison. */
  readonly hash: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseMessageInput(body: unknown, options: { readonly maxAttachmentBytes: number; readonly now: number }): MessageInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'invalid-body', 'the body must be a JSON object');
  const input = body as Record<string, unknown>;
  const recipients = parseRecipients(input['recipients']);
  if (!recipients.ok) {
    const where = recipients.error.index === undefined ? '' : ` (entry ${recipients.error.index + 1})`;
    throw new ApiError(400, 'invalid-recipient', `${recipients.error.message}${where}`, 'recipients');
  }
  const text = input['message'];
  if (text !== undefined && typeof text !== 'string') throw new ApiError(400, 'invalid-message', 'message must be a string', 'message');
  const attachments = parseAttachments(input['attachments'], options.maxAttachmentBytes);
  if ((text === undefined || text === '') && attachments.length === 0) {
    throw new ApiError(400, 'empty-message', 'a message needs text or at least one attachment', 'message');
  }
  let expiresAt: number | undefined;
  if (input['expiresAt'] !== undefined) {
    expiresAt = typeof input['expiresAt'] === 'string' ? Date.parse(input['expiresAt']) : Number.NaN;
    if (!Number.isFinite(expiresAt)) throw new ApiError(400, 'invalid-expires-at', 'expiresAt must be an ISO-8601 time, e.g. 2026-12-01T12:00:00Z', 'expiresAt');
    if (expiresAt <= options.now) throw new ApiError(400, 'invalid-expires-at', 'expiresAt is in the past', 'expiresAt');
  }
  const recipientList = (input['recipients'] as string[]).map((recipient) => recipient.trim());
  const message: OutgoingMessage = {
    recipients: recipientList,
    ...(text === undefined || text === '' ? {} : { message: text }),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
  return { message, hash: messageHash(message, expiresAt), ...(expiresAt === undefined ? {} : { expiresAt }) };
}

/** What an Idempotency-Key is compared by; shared with the compat endpoint so both agree. */
export function messageHash(message: OutgoingMessage, expiresAt: number | undefined): string {
  return createHash('sha256').update(JSON.stringify([message, expiresAt ?? null])).digest('hex');
}

function parseAttachments(value: unknown, maxBytes: number): { filename: string; contentType: string; data: string }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ApiError(400, 'invalid-attachments', 'attachments must be an array', 'attachments');
  let total = 0;
  return value.map((item: unknown, index) => {
    const field = `attachments[${index}]`;
    if (typeof item !== 'object' || item === null) throw new ApiError(400, 'invalid-attachments', `${field} must be an object`, field);
    const { filename, contentType, data } = item as Record<string, unknown>;
    if (typeof filename !== 'string' || filename === '' || /[/\\]/.test(filename)) throw new ApiError(400, 'invalid-attachments', `${field}.filename must be a file name without a path`, field);
    if (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(contentType)) throw new ApiError(400, 'invalid-attachments', `${field}.contentType must be a MIME type like image/png`, field);
    if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) throw new ApiError(400, 'invalid-attachments', `${field}.data must be base64`, field);
    total += Buffer.byteLength(data, 'base64');
    if (total > maxBytes) throw new ApiError(413, 'too-large', `attachments exceed ${Math.floor(maxBytes / 1024 / 1024)} MiB (TETHER_MAX_ATTACHMENT_MB)`, field);
    return { filename, contentType, data };
  });
}
