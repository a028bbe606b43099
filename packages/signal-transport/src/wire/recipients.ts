// Recipient grammar (DECISIONS §4): what one outbox message may be addressed to. Bad input is a
// value with a human message, never a throw, so the API and the CLI can report it as they like.

import { rawGroupId } from './group-id.js';

export type Recipient =
  /** E.164: `+` and 7–15 digits, the first not 0. */
  | { readonly kind: 'number'; readonly value: string }
  /** An ACI UUID, lower-cased. */
  | { readonly kind: 'uuid'; readonly value: string }
  /** `nickname.discriminator`, lower-cased, without the CLI's `u:` prefix. */
  | { readonly kind: 'username'; readonly value: string }
  /** The REST API's `group.<base64>` id. */
  | { readonly kind: 'group'; readonly value: string };

export type IndividualRecipient = Exclude<Recipient, { readonly kind: 'group' }>;

/**
 * Why an entry was refused. `message` never quotes the entry (it may be a phone number and
 * messages end up in logs); the entry and its position travel beside it.
 */
export interface RecipientError {
  readonly kind: 'error';
  readonly message: string;
  readonly entry: string;
  readonly index?: number;
}

/** Who one message goes to: a set of individuals, or exactly one group. */
export type RecipientTarget =
  | { readonly kind: 'individuals'; readonly recipients: readonly IndividualRecipient[] }
  | { readonly kind: 'group'; readonly groupId: string; readonly rawGroupId: string };

export type RecipientsResult =
  | { readonly ok: true; readonly target: RecipientTarget }
  | { readonly ok: false; readonly error: RecipientError };

const E164 = /^\+[1-9][0-9]{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Discriminator rules beyond "2–9 digits" follow Signal's own: never 00, and no leading zero
// once it is longer than two digits. Nicknames are case-insensitive in Signal, so we lower-case.
const USERNAME = /^[a-z_][a-z0-9_]{2,31}\.(?:0[1-9]|[1-9][0-9]{1,8})$/i;

const HINTS = {
  number: 'a phone number is + and 7 to 15 digits, the first not 0, with no spaces (E.164)',
  digits: 'a phone number needs a + and the country code (E.164)',
  group: "a group id is 'group.' and base64 of the signal-cli group id, as the REST API lists it",
  username:
    'a username is nickname.discriminator: the nickname 3 to 32 of a-z, 0-9 and _, not starting with a digit; ' +
    'the discriminator 2 to 9 digits (not 00, no leading 0 beyond two digits)',
  unknown:
    'not a recipient: expected a phone number (+ and 7 to 15 digits), an ACI UUID, ' +
    'a username (name.01 or u:name.01) or a group id (group.…)',
} as const;

/** The entry as text, for any value (String() itself can throw on odd objects). */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function refuse(entry: string, message: string, index?: number): RecipientError {
  return index === undefined ? { kind: 'error', message, entry } : { kind: 'error', message, entry, index };
}

/** Parses one recipient. Surrounding whitespace is ignored; nothing else is forgiven. */
export function parseRecipient(text: unknown): Recipient | RecipientError {
  if (typeof text !== 'string') return refuse(show(text), 'a recipient must be a string');
  const entry = text.trim();
  if (entry === '') return refuse(text, 'a recipient must not be empty');
  if (entry.startsWith('+')) {
    return E164.test(entry) ? { kind: 'number', value: entry } : refuse(text, HINTS.number);
  }
  if (entry.startsWith('group.')) {
    return rawGroupId(entry) === null ? refuse(text, HINTS.group) : { kind: 'group', value: entry };
  }
  if (UUID.test(entry)) return { kind: 'uuid', value: entry.toLowerCase() };
  const username = entry.startsWith('u:') ? entry.slice(2) : entry;
  if (USERNAME.test(username)) return { kind: 'username', value: username.toLowerCase() };
  if (entry.startsWith('u:') || entry.includes('.')) return refuse(text, HINTS.username);
  if (/^[0-9]+$/.test(entry)) return refuse(text, HINTS.digits);
  return refuse(text, HINTS.unknown);
}

const MIXES = {
  twoGroups: 'one message goes to exactly one group; send one message per group',
  groupAndIndividuals: 'a group cannot be combined with other recipients in one message; send them separately',
  usernamesAndNumbers:
    'usernames cannot be combined with phone numbers or UUIDs in one message ' +
    '(signal-cli-rest-api refuses the mix); send them as separate messages',
} as const;

/**
 * Parses the recipients of one message: at least one; individuals or exactly one group; never
 * usernames together with numbers or UUIDs. Repeated recipients are sent to once.
 */
export function parseRecipients(list: unknown): RecipientsResult {
  if (!Array.isArray(list)) return { ok: false, error: refuse(show(list), 'recipients must be a list') };
  if (list.length === 0) return { ok: false, error: refuse('', 'a message needs at least one recipient') };
  const seen = new Set<string>();
  const individuals: IndividualRecipient[] = [];
  let group: string | null = null;
  for (const [index, item] of list.entries()) {
    const parsed = parseRecipient(item);
    if (parsed.kind === 'error') return { ok: false, error: { ...parsed, index } };
    const key = `${parsed.kind}:${parsed.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mix = conflict(parsed, group, individuals);
    if (mix !== null) return { ok: false, error: refuse(show(item), mix, index) };
    if (parsed.kind === 'group') group = parsed.value;
    else individuals.push(parsed);
  }
  if (group !== null) return { ok: true, target: { kind: 'group', groupId: group, rawGroupId: rawGroupId(group) ?? '' } };
  return { ok: true, target: { kind: 'individuals', recipients: individuals } };
}

function conflict(next: Recipient, group: string | null, individuals: readonly IndividualRecipient[]): string | null {
  if (group !== null) return next.kind === 'group' ? MIXES.twoGroups : MIXES.groupAndIndividuals;
  if (next.kind === 'group') return individuals.length > 0 ? MIXES.groupAndIndividuals : null;
  const first = individuals[0];
  if (first === undefined) return null;
  return (first.kind === 'username') === (next.kind === 'username') ? null : MIXES.usernamesAndNumbers;
}
