// Builds envelopes exactly as signal-cli serialises them (CONTRACT.md §B): every nullable field
// present, optional sub-objects only when they apply, key order as in signal-cli's records.
import { createHash } from 'node:crypto';
import type { Attachment, DataMessage, Envelope, GroupInfo } from './envelope-types.js';
import { isE164, isUuid, uuidFor } from './identity.js';

/** A fictional sender used when an injection names none. */
export const defaultSender = '+15555550100';

export interface SenderOptions {
  /** E.164 number of the sender. Default: `fromUuid` alone, else a fictional `+15555550100`. */
  from?: string;
  /** ACI of the sender. Default: a stable UUID derived from `from`. */
  fromUuid?: string;
  /** Contact or profile name; signal-cli emits null when it knows none. @default null */
  fromName?: string | null;
  /** @default 1 */
  sourceDevice?: number;
}

export interface EnvelopeTimes {
  /** The sender's timestamp: the message id. @default Date.now() */
  timestamp?: number;
  /** Server receive/deliver time. @default timestamp */
  serverTimestamp?: number;
}

export interface MessageInput extends SenderOptions, EnvelopeTimes {
  /** Message text; null for an attachment-only message. @default null */
  text?: string | null;
  /** Raw signal-cli group id (base64 of 16 or 32 bytes) when the message went to a group. */
  groupId?: string;
  groupName?: string | null;
  attachments?: readonly AttachmentInput[];
}

export interface AttachmentInput {
  contentType: string;
  filename?: string;
  size?: number;
}

export interface ReceiptInput extends SenderOptions, EnvelopeTimes {
  /** Timestamps of the account's own messages that the receipt acknowledges. */
  timestamps: readonly number[];
  kind: 'delivery' | 'read' | 'viewed';
}

export interface ReactionInput extends SenderOptions, EnvelopeTimes {
  emoji: string;
  /** Author of the message reacted to (E.164 or UUID); usually the emulated account. */
  targetAuthor: string;
  targetTimestamp: number;
  remove?: boolean;
  groupId?: string;
  groupName?: string | null;
}

export interface TypingInput extends SenderOptions, EnvelopeTimes {
  action?: 'started' | 'stopped';
  groupId?: string;
}

export function buildMessageEnvelope(input: MessageInput): Envelope {
  const envelope = envelopeHead(input);
  const dataMessage = dataMessageHead(envelope.timestamp, input.text ?? null);
  if (input.attachments !== undefined && input.attachments.length > 0) {
    dataMessage.attachments = input.attachments.map((attachment, index) =>
      buildAttachment(attachment, `${envelope.timestamp}:${index}`, envelope.serverReceivedTimestamp),
    );
  }
  if (input.groupId !== undefined) dataMessage.groupInfo = groupInfo(input.groupId, input.groupName);
  envelope.dataMessage = dataMessage;
  return envelope;
}

export function buildReceiptEnvelope(input: ReceiptInput): Envelope {
  const envelope = envelopeHead(input);
  envelope.receiptMessage = {
    when: envelope.timestamp,
    isDelivery: input.kind === 'delivery',
    isRead: input.kind === 'read',
    isViewed: input.kind === 'viewed',
    timestamps: [...input.timestamps],
  };
  return envelope;
}

export function buildReactionEnvelope(input: ReactionInput): Envelope {
  const envelope = envelopeHead(input);
  const dataMessage = dataMessageHead(envelope.timestamp, null);
  const target = addressOf(input.targetAuthor);
  dataMessage.reaction = {
    emoji: input.emoji,
    targetAuthor: target.number ?? target.uuid,
    targetAuthorNumber: target.number,
    targetAuthorUuid: target.uuid,
    targetSentTimestamp: input.targetTimestamp,
    isRemove: input.remove ?? false,
  };
  if (input.groupId !== undefined) dataMessage.groupInfo = groupInfo(input.groupId, input.groupName);
  envelope.dataMessage = dataMessage;
  return envelope;
}

export function buildTypingEnvelope(input: TypingInput): Envelope {
  const envelope = envelopeHead(input);
  envelope.typingMessage = {
    action: input.action === 'stopped' ? 'STOPPED' : 'STARTED',
    timestamp: envelope.timestamp,
    ...(input.groupId === undefined ? {} : { groupId: input.groupId }),
  };
  return envelope;
}

export function envelopeHead(input: SenderOptions & EnvelopeTimes): Envelope {
  const timestamp = input.timestamp ?? Date.now();
  const serverTimestamp = input.serverTimestamp ?? timestamp;
  const number = input.from ?? (input.fromUuid === undefined ? defaultSender : null);
  const uuid = input.fromUuid ?? (number === null ? null : uuidFor(number));
  return {
    source: number ?? uuid,
    sourceNumber: number,
    sourceUuid: uuid,
    sourceName: input.fromName ?? null,
    sourceDevice: input.sourceDevice ?? 1,
    timestamp,
    serverReceivedTimestamp: serverTimestamp,
    serverDeliveredTimestamp: serverTimestamp,
  };
}

export function dataMessageHead(timestamp: number, text: string | null): DataMessage {
  return { timestamp, message: text, expiresInSeconds: 0, isExpirationUpdate: false, viewOnce: false };
}

export function groupInfo(groupId: string, groupName: string | null | undefined): GroupInfo {
  return { groupId, groupName: groupName ?? null, revision: 1, type: 'DELIVER' };
}

function buildAttachment(input: AttachmentInput, seed: string, uploadTimestamp: number): Attachment {
  // signal-cli names the downloaded file after a random id plus the original extension.
  const extension = /\.[A-Za-z0-9]{1,8}$/.exec(input.filename ?? '')?.[0] ?? '';
  const id = createHash('sha256').update(seed).digest('base64url').slice(0, 20) + extension;
  return {
    contentType: input.contentType,
    filename: input.filename ?? null,
    id,
    size: input.size ?? null,
    width: null,
    height: null,
    caption: null,
    uploadTimestamp,
  };
}

export function addressOf(identifier: string): { number: string | null; uuid: string } {
  if (isUuid(identifier)) return { number: null, uuid: identifier.toLowerCase() };
  if (isE164(identifier)) return { number: identifier, uuid: uuidFor(identifier) };
  throw new TypeError('targetAuthor must be an E.164 number or a UUID');
}
