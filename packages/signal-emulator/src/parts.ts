// Envelopes for the data-message parts beside text: remote and admin deletes, pins, polls,
// payments and shared contacts, shaped as signal-cli's records write them (S:…/json/
// JsonDataMessage.java, JsonPinMessage.java, JsonPollCreate.java … at c26e063). A message that is
// only such a part has `message: null`, like a reaction.
import type { DataMessage, Envelope, MessageTarget, SharedContact } from './envelope-types.js';
import { addressOf, dataMessageHead, envelopeHead, groupInfo, type EnvelopeTimes, type SenderOptions } from './envelope.js';

export interface SharedContactInput {
  name: { given?: string; family?: string; nickname?: string; prefix?: string; suffix?: string; middle?: string };
  /** `type` is HOME, WORK, MOBILE or CUSTOM. @default MOBILE */
  phones?: readonly { value: string; type?: string; label?: string }[];
  /** `type` is HOME, WORK, MOBILE or CUSTOM. @default HOME */
  emails?: readonly { value: string; type?: string; label?: string }[];
  organization?: string;
}

/** One part, named by `part`. Targets are E.164 numbers or UUIDs of the message's author. */
export type PartBody =
  | { part: 'remote-delete'; targetTimestamp: number }
  | { part: 'admin-delete'; targetAuthor: string; targetTimestamp: number }
  /** @default durationSeconds -1 (pinned for good) */
  | { part: 'pin'; targetAuthor: string; targetTimestamp: number; durationSeconds?: number }
  | { part: 'unpin'; targetAuthor: string; targetTimestamp: number }
  | { part: 'poll-create'; question: string; options: readonly string[]; allowMultiple?: boolean }
  | { part: 'poll-vote'; targetAuthor: string; targetTimestamp: number; optionIndexes: readonly number[]; voteCount?: number }
  | { part: 'poll-terminate'; targetTimestamp: number }
  /** `receipt` is base64, as Jackson writes a byte array. @default receipt '' */
  | { part: 'payment'; note?: string | null; receipt?: string }
  | { part: 'contacts'; contacts: readonly SharedContactInput[] };

export type PartName = PartBody['part'];

export const partNames: readonly PartName[] = [
  'remote-delete',
  'admin-delete',
  'pin',
  'unpin',
  'poll-create',
  'poll-vote',
  'poll-terminate',
  'payment',
  'contacts',
];

export type PartInput = SenderOptions & EnvelopeTimes & PartBody & { groupId?: string; groupName?: string | null };

/** The envelope of a data message that carries one part and nothing else. */
export function buildPartEnvelope(input: PartInput): Envelope {
  const envelope = envelopeHead(input);
  const parts = partFields(input);
  const head = dataMessageHead(envelope.timestamp, null);
  // Insertion order is JSON key order: the record's components, groupInfo among them.
  const dataMessage: DataMessage = {
    ...head,
    ...pick(parts, ['payment', 'remoteDelete', 'contacts', 'pollCreate', 'pollVote', 'pollTerminate']),
    ...(input.groupId === undefined ? {} : { groupInfo: groupInfo(input.groupId, input.groupName) }),
    ...pick(parts, ['pinMessage', 'unpinMessage', 'adminDelete']),
  };
  envelope.dataMessage = dataMessage;
  return envelope;
}

function partFields(input: PartBody): Partial<DataMessage> {
  switch (input.part) {
    case 'remote-delete':
      return { remoteDelete: { timestamp: input.targetTimestamp } };
    case 'admin-delete':
      return { adminDelete: target(input.targetAuthor, input.targetTimestamp) };
    case 'pin':
      return { pinMessage: { ...target(input.targetAuthor, input.targetTimestamp), pinDurationSeconds: input.durationSeconds ?? -1 } };
    case 'unpin':
      return { unpinMessage: target(input.targetAuthor, input.targetTimestamp) };
    case 'poll-create':
      return { pollCreate: { question: input.question, allowMultiple: input.allowMultiple ?? false, options: [...input.options] } };
    case 'poll-vote': {
      const { targetAuthor, targetAuthorNumber, targetAuthorUuid, targetSentTimestamp } = target(input.targetAuthor, input.targetTimestamp);
      return {
        pollVote: {
          author: targetAuthor,
          authorNumber: targetAuthorNumber,
          authorUuid: targetAuthorUuid,
          targetSentTimestamp,
          optionIndexes: [...input.optionIndexes],
          voteCount: input.voteCount ?? 1,
        },
      };
    }
    case 'poll-terminate':
      return { pollTerminate: { targetSentTimestamp: input.targetTimestamp } };
    case 'payment':
      return { payment: { note: input.note ?? null, receipt: input.receipt ?? '' } };
    case 'contacts':
      return { contacts: input.contacts.map(sharedContact) };
  }
}

function target(author: string, sentTimestamp: number): MessageTarget {
  const address = addressOf(author);
  return {
    targetAuthor: address.number ?? address.uuid,
    targetAuthorNumber: address.number,
    targetAuthorUuid: address.uuid,
    targetSentTimestamp: sentTimestamp,
  };
}

/** JsonSharedContact: blank name parts become null, empty lists are left out, no avatar. */
function sharedContact(input: SharedContactInput): SharedContact {
  const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? null : value);
  const { name } = input;
  const entries = (list: SharedContactInput['phones'], type: string) =>
    list === undefined || list.length === 0 ? undefined : list.map((entry) => ({ value: entry.value, type: entry.type ?? type, label: text(entry.label) }));
  const phone = entries(input.phones, 'MOBILE');
  const email = entries(input.emails, 'HOME');
  return {
    name: { nickname: text(name.nickname), given: text(name.given), family: text(name.family), prefix: text(name.prefix), suffix: text(name.suffix), middle: text(name.middle) },
    ...(phone === undefined ? {} : { phone }),
    ...(email === undefined ? {} : { email }),
    organization: text(input.organization),
  };
}

function pick(fields: Partial<DataMessage>, keys: readonly (keyof DataMessage)[]): Partial<DataMessage> {
  const picked: Partial<DataMessage> = {};
  for (const key of keys) if (fields[key] !== undefined) Object.assign(picked, { [key]: fields[key] });
  return picked;
}
