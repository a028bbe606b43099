// Turns one receive frame (REST WebSocket text frame, JSON-RPC `receive` params, SSE data) into a
// typed IncomingEvent. Bad input is a result, never a throw: the transport counts it and reads on.

import { groupRef, readAddress, readContent, readGroupInfo } from './incoming-content.js';
import { readPart } from './incoming-parts.js';
import type { EventCommon, IncomingEvent, OtherWhat, PartWhat, ReceiveFrameResult } from './incoming-types.js';
import {
  arrayField,
  booleanField,
  integerField,
  isObject,
  objectField,
  parseJson,
  stringField,
  type JsonObject,
} from './json-read.js';
import { maskPhoneNumbers } from './mask.js';

/** One variant of IncomingEvent without the common fields (Omit applied to each variant). */
type Body = IncomingEvent extends infer Event ? (Event extends unknown ? Omit<Event, keyof EventCommon> : never) : never;

/**
 * The frame inside whatever carried it: a whole `receive` notification, the `{subscription,
 * result}` wrapper signal-cli uses after `subscribeReceive`, or the plain `{envelope, account}`.
 */
export function unwrapReceiveParams(value: unknown): unknown {
  if (!isObject(value)) return value;
  if (value['method'] === 'receive' && 'params' in value) return unwrapReceiveParams(value['params']);
  const result = value['result'];
  if ('subscription' in value && isObject(result)) return result;
  return value;
}

/**
 * Parses one frame for `account`. A string is parsed as JSON first. A frame without an `account`
 * is taken as ours: a single-account signal-cli daemon may omit it.
 */
export function parseReceiveFrame(value: unknown, account: string): ReceiveFrameResult {
  const frame = unwrapReceiveParams(typeof value === 'string' ? parseJson(value) : value);
  if (!isObject(frame)) return malformed('the frame is not a JSON object');
  if (!('envelope' in frame) && 'error' in frame) {
    const error = frame['error'];
    const detail = typeof error === 'string' ? error : JSON.stringify(error);
    return { ok: false, reason: 'error-frame', detail: maskPhoneNumbers(detail) };
  }
  const frameAccount = frame['account'];
  if (frameAccount !== undefined && typeof frameAccount !== 'string') return malformed('the frame account is not a string');
  if (frameAccount !== undefined && frameAccount !== account) {
    return { ok: false, reason: 'foreign-account', account: frameAccount };
  }
  const envelope = objectField(frame, 'envelope');
  if (envelope === null) return malformed('the frame has no envelope');
  const timestamp = integerField(envelope, 'timestamp');
  if (timestamp === null) return malformed('the envelope has no timestamp');
  const common: EventCommon = {
    account,
    source: {
      ...readAddress(envelope, 'source', 'source'),
      name: stringField(envelope, 'sourceName'),
      device: integerField(envelope, 'sourceDevice'),
    },
    timestamp,
    serverReceivedTimestamp: integerField(envelope, 'serverReceivedTimestamp'),
    serverDeliveredTimestamp: integerField(envelope, 'serverDeliveredTimestamp'),
    ...readException(frame),
    raw: envelope,
  };
  return { ok: true, event: { ...common, ...readBody(envelope, timestamp) } };
}

/**
 * The spool's duplicate key (DECISIONS §5): (source, device, timestamp). An envelope signal-cli
 * failed to handle gets its own key, so that its later, successful redelivery (say, once the
 * identity is trusted) is not dropped as a duplicate of the failure.
 */
export function dedupeKey(event: IncomingEvent): string {
  const who = event.source.uuid ?? event.source.number ?? 'unknown';
  const key = `${who}:${event.source.device ?? 0}:${event.timestamp}`;
  return event.exception === undefined ? key : `${key}:exception`;
}

function malformed(detail: string): ReceiveFrameResult {
  return { ok: false, reason: 'malformed', detail };
}

function readException(frame: JsonObject): Pick<EventCommon, 'exception'> {
  const exception = objectField(frame, 'exception');
  if (exception === null) return {};
  return { exception: { message: stringField(exception, 'message') ?? '', type: stringField(exception, 'type') ?? '' } };
}

function other(what: Exclude<OtherWhat, PartWhat>): Body {
  return { kind: 'other', what };
}

function readBody(envelope: JsonObject, timestamp: number): Body {
  const data = objectField(envelope, 'dataMessage');
  if (data !== null) return readData(data);
  const edit = objectField(envelope, 'editMessage');
  if (edit !== null) return readEdit(edit);
  const sync = objectField(envelope, 'syncMessage');
  if (sync !== null) return readSync(sync);
  const receipt = objectField(envelope, 'receiptMessage');
  if (receipt !== null) return readReceipt(receipt, timestamp);
  const typing = objectField(envelope, 'typingMessage');
  if (typing !== null) return readTyping(typing);
  if (objectField(envelope, 'storyMessage') !== null) return other('story');
  if (objectField(envelope, 'callMessage') !== null) return other('call');
  return other('none');
}

function readData(data: JsonObject): Body {
  const reaction = objectField(data, 'reaction');
  if (reaction !== null) {
    const emoji = stringField(reaction, 'emoji');
    const targetSentTimestamp = integerField(reaction, 'targetSentTimestamp');
    if (emoji === null || targetSentTimestamp === null) return other('reaction');
    return {
      kind: 'reaction',
      emoji,
      targetAuthor: readAddress(reaction, 'targetAuthor', 'targetAuthor'),
      targetSentTimestamp,
      isRemove: booleanField(reaction, 'isRemove') ?? false,
      group: readGroupInfo(data),
    };
  }
  const part = readPart(data);
  if (part === 'malformed') return other('malformed');
  if (part !== null) return { kind: 'other', group: readGroupInfo(data), ...part };
  return { kind: 'message', ...readContent(data) };
}

function readEdit(edit: JsonObject): Body {
  const targetSentTimestamp = integerField(edit, 'targetSentTimestamp');
  const data = objectField(edit, 'dataMessage');
  if (targetSentTimestamp === null || data === null) return other('edit');
  return { kind: 'edit', targetSentTimestamp, ...readContent(data) };
}

function readSync(sync: JsonObject): Body {
  const sent = objectField(sync, 'sentMessage');
  if (sent === null) return other('sync');
  const destination = readAddress(sent, 'destination', 'destination');
  // A sync of an edit carries the new content inside editMessage rather than unwrapped.
  const edit = objectField(sent, 'editMessage');
  const editData = edit === null ? null : objectField(edit, 'dataMessage');
  return {
    kind: 'sync-sent',
    destination: destination.number === null && destination.uuid === null ? null : destination,
    editTargetTimestamp: edit === null ? null : integerField(edit, 'targetSentTimestamp'),
    ...readContent(editData ?? sent),
  };
}

function readReceipt(receipt: JsonObject, timestamp: number): Body {
  const receiptType = booleanField(receipt, 'isViewed')
    ? 'viewed'
    : booleanField(receipt, 'isRead')
      ? 'read'
      : booleanField(receipt, 'isDelivery')
        ? 'delivery'
        : null;
  if (receiptType === null) return other('receipt');
  const timestamps = arrayField(receipt, 'timestamps').filter((item): item is number => Number.isSafeInteger(item));
  return { kind: 'receipt', receiptType, timestamps, when: integerField(receipt, 'when') ?? timestamp };
}

function readTyping(typing: JsonObject): Body {
  const action = stringField(typing, 'action');
  if (action !== 'STARTED' && action !== 'STOPPED') return other('typing');
  return {
    kind: 'typing',
    action: action === 'STARTED' ? 'started' : 'stopped',
    group: groupRef(stringField(typing, 'groupId'), null),
  };
}
