// The newer data-message parts that are not messages (S:…/json/JsonDataMessage.java and the part
// records at c26e063): remote and admin deletes, pins, polls, payments and shared contacts. Each
// becomes `other` with its own `what` and typed fields, never a `message` without text.

import { readAddress } from './incoming-content.js';
import type { PartEvent, SharedContactInfo } from './incoming-types.js';
import { arrayField, booleanField, integerField, isObject, objectField, stringField, type JsonObject } from './json-read.js';

type PartReader = (part: JsonObject) => PartEvent | null;

/** In the order they are looked for; the first present part decides. */
const readers: readonly (readonly [string, PartReader])[] = [
  ['remoteDelete', (part) => target(part, 'timestamp', (targetSentTimestamp) => ({ what: 'remote-delete', targetSentTimestamp }))],
  ['adminDelete', (part) => target(part, 'targetSentTimestamp', (targetSentTimestamp) => ({ what: 'admin-delete', targetAuthor: author(part), targetSentTimestamp }))],
  [
    'pinMessage',
    (part) => {
      const seconds = integerField(part, 'pinDurationSeconds');
      // -1 is "pinned for good" (MessageEnvelope.Data.PinMessage.from).
      const pinDurationSeconds = seconds === null || seconds < 0 ? null : seconds;
      return target(part, 'targetSentTimestamp', (targetSentTimestamp) => ({ what: 'pin', targetAuthor: author(part), targetSentTimestamp, pinDurationSeconds }));
    },
  ],
  ['unpinMessage', (part) => target(part, 'targetSentTimestamp', (targetSentTimestamp) => ({ what: 'unpin', targetAuthor: author(part), targetSentTimestamp }))],
  [
    'pollCreate',
    (part) => ({
      what: 'poll-create',
      question: stringField(part, 'question'),
      options: arrayField(part, 'options').filter((option): option is string => typeof option === 'string'),
      allowMultiple: booleanField(part, 'allowMultiple') ?? false,
    }),
  ],
  [
    'pollVote',
    (part) =>
      target(part, 'targetSentTimestamp', (targetSentTimestamp) => ({
        what: 'poll-vote',
        targetAuthor: readAddress(part, 'author', 'author'),
        targetSentTimestamp,
        optionIndexes: arrayField(part, 'optionIndexes').filter((index): index is number => Number.isSafeInteger(index)),
        voteCount: integerField(part, 'voteCount') ?? 0,
      })),
  ],
  ['pollTerminate', (part) => target(part, 'targetSentTimestamp', (targetSentTimestamp) => ({ what: 'poll-terminate', targetSentTimestamp }))],
  ['payment', (part) => ({ what: 'payment', note: stringField(part, 'note') })],
];

/**
 * The part a data message carries instead of text: a PartEvent, `malformed` when it is there but
 * unreadable, or null when there is none. Text or attachments beside it make it a message.
 */
export function readPart(data: JsonObject): PartEvent | 'malformed' | null {
  const text = stringField(data, 'message');
  if ((text !== null && text !== '') || arrayField(data, 'attachments').length > 0) return null;
  for (const [key, read] of readers) {
    const part = objectField(data, key);
    if (part !== null) return read(part) ?? 'malformed';
  }
  const contacts = arrayField(data, 'contacts');
  if (contacts.length > 0) return { what: 'contacts', contacts: contacts.filter(isObject).map(contact) };
  return null;
}

function target(part: JsonObject, key: string, build: (timestamp: number) => PartEvent): PartEvent | null {
  const timestamp = integerField(part, key);
  return timestamp === null ? null : build(timestamp);
}

function author(part: JsonObject) {
  return readAddress(part, 'targetAuthor', 'targetAuthor');
}

function contact(value: JsonObject): SharedContactInfo {
  const name = objectField(value, 'name');
  const full = name === null ? '' : [stringField(name, 'given'), stringField(name, 'family')].filter((piece) => piece !== null && piece !== '').join(' ');
  const values = (key: string) =>
    arrayField(value, key)
      .filter(isObject)
      .map((entry) => stringField(entry, 'value'))
      .filter((entry): entry is string => entry !== null);
  return {
    name: full !== '' ? full : name === null ? null : stringField(name, 'nickname'),
    phones: values('phone'),
    emails: values('email'),
    organization: stringField(value, 'organization'),
  };
}
