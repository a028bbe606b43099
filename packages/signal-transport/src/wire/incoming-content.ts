// Readers for the parts of an envelope that several event kinds share: a data message's content,
// addresses and group references. Tolerant: a malformed part becomes null or is skipped.

import { groupIdForReply } from './group-id.js';
import type { Address, AttachmentInfo, GroupRef, Mention, MessageContent, Quote } from './incoming-types.js';
import { arrayField, booleanField, integerField, isObject, objectField, stringField, type JsonObject } from './json-read.js';

const E164 = /^\+[0-9]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads a number and a UUID from `<prefix>Number` and `<prefix>Uuid`, falling back to the
 * deprecated `<legacy>` field (a number or a UUID) that older signal-cli versions filled alone.
 */
export function readAddress(source: JsonObject, prefix: string, legacy: string): Address {
  const old = stringField(source, legacy);
  const number = stringField(source, `${prefix}Number`) ?? (old !== null && E164.test(old) ? old : null);
  const uuid = stringField(source, `${prefix}Uuid`) ?? (old !== null && UUID.test(old) ? old : null);
  return { number, uuid };
}

export function groupRef(rawId: string | null, name: string | null): GroupRef | null {
  return rawId === null || rawId === '' ? null : { id: rawId, restId: groupIdForReply(rawId), name };
}

/** The group a data message belongs to, from its `groupInfo`. */
export function readGroupInfo(message: JsonObject): GroupRef | null {
  const info = objectField(message, 'groupInfo');
  return info === null ? null : groupRef(stringField(info, 'groupId'), stringField(info, 'groupName'));
}

function readAttachment(value: unknown): AttachmentInfo | null {
  if (!isObject(value)) return null;
  return {
    contentType: stringField(value, 'contentType'),
    filename: stringField(value, 'filename'),
    id: stringField(value, 'id'),
    size: integerField(value, 'size'),
    width: integerField(value, 'width'),
    height: integerField(value, 'height'),
    caption: stringField(value, 'caption'),
  };
}

function readMention(value: unknown): Mention | null {
  if (!isObject(value)) return null;
  const start = integerField(value, 'start');
  const length = integerField(value, 'length');
  if (start === null || length === null) return null;
  return { number: stringField(value, 'number'), uuid: stringField(value, 'uuid'), start, length };
}

function readQuote(message: JsonObject): Quote | null {
  const quote = objectField(message, 'quote');
  if (quote === null) return null;
  const id = integerField(quote, 'id');
  if (id === null) return null;
  return { id, author: readAddress(quote, 'author', 'author'), text: stringField(quote, 'text') };
}

function readSticker(message: JsonObject): MessageContent['sticker'] {
  const sticker = objectField(message, 'sticker');
  if (sticker === null) return null;
  const packId = stringField(sticker, 'packId');
  const stickerId = integerField(sticker, 'stickerId');
  return packId === null || stickerId === null ? null : { packId, stickerId };
}

function present<T>(value: T | null): value is T {
  return value !== null;
}

/** The content of a DataMessage (or of a sync message's unwrapped copy of one). */
export function readContent(message: JsonObject): MessageContent {
  return {
    text: stringField(message, 'message'),
    group: readGroupInfo(message),
    attachments: arrayField(message, 'attachments').map(readAttachment).filter(present),
    quote: readQuote(message),
    mentions: arrayField(message, 'mentions').map(readMention).filter(present),
    sticker: readSticker(message),
    expiresInSeconds: integerField(message, 'expiresInSeconds') ?? 0,
    viewOnce: booleanField(message, 'viewOnce') ?? false,
    isExpirationUpdate: booleanField(message, 'isExpirationUpdate') ?? false,
  };
}
