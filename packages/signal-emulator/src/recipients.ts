// signal-cli's reading of recipients (RecipientIdentifier.Single.fromString, CommandUtil): numbers
// are normalised, UUIDs and `u:` usernames pass, group ids must decode to 16 or 32 bytes.
import { memberAddress, type GroupRegistry } from './groups.js';
import { groupIdByteLength, isE164, isUsername, isUuid, uuidFor } from './identity.js';
import { errorCodes, messages, type SignalCliError } from './signal-cli-error.js';

export interface RecipientAddress {
  uuid: string | null;
  number: string | null;
  username: string | null;
}

export interface SendMessageResult {
  recipientAddress: RecipientAddress;
  groupId?: string;
  type: 'SUCCESS' | 'NETWORK_FAILURE' | 'UNREGISTERED_FAILURE' | 'IDENTITY_FAILURE' | 'RATE_LIMIT_FAILURE' | 'INVALID_PRE_KEY_FAILURE';
  token?: string;
  retryAfterSeconds?: number;
}

export interface RecipientInput {
  recipients?: readonly string[];
  usernames?: readonly string[];
  groupIds?: readonly string[];
  noteToSelf?: boolean;
}

export interface ResolvedRecipients {
  /** Individual recipients as recorded: E.164, UUID, or `u:name.01`. */
  singles: { identifier: string; address: RecipientAddress }[];
  groupIds: string[];
}

export function resolveRecipients(
  input: RecipientInput,
  account: string,
): { ok: true; value: ResolvedRecipients } | { ok: false; error: SignalCliError } {
  const singles = new Map<string, RecipientAddress>();
  const groupIds: string[] = [];
  if (input.noteToSelf === true) singles.set(account, addressOfNumber(account));
  for (const raw of input.recipients ?? []) {
    const single = resolveSingle(raw);
    if ('error' in single) return { ok: false, error: single.error };
    singles.set(single.identifier, single.address);
  }
  for (const name of input.usernames ?? []) {
    const single = resolveSingle(`u:${name}`);
    if ('error' in single) return { ok: false, error: single.error };
    singles.set(single.identifier, single.address);
  }
  for (const id of input.groupIds ?? []) {
    const length = groupIdByteLength(id);
    if (length !== 16 && length !== 32) {
      const reason = length === undefined ? 'Illegal base64 character' : `Invalid group id of size ${length}`;
      return userError(`Invalid group id: Failed to decode groupId (must be base64) "${id}": ${reason}`);
    }
    if (!groupIds.includes(id)) groupIds.push(id);
  }
  if (singles.size === 0 && groupIds.length === 0) return userError(messages.noRecipients);
  return {
    ok: true,
    value: { singles: [...singles].map(([identifier, address]) => ({ identifier, address })), groupIds },
  };
}

export function resolveSingle(raw: string): { identifier: string; address: RecipientAddress } | { error: SignalCliError } {
  if (isUuid(raw)) {
    const uuid = raw.toLowerCase();
    return { identifier: uuid, address: { uuid, number: null, username: null } };
  }
  if (raw.startsWith('u:')) {
    const name = raw.slice(2);
    if (!isUsername(name)) return { error: userErrorObject(`The user ${name} is not registered.`) };
    return { identifier: raw, address: { uuid: uuidFor(raw), number: null, username: name } };
  }
  const number = raw.replace(/[\s\-().]/g, '');
  if (!isE164(number)) {
    return {
      error: userErrorObject(`Invalid phone number '${raw}': The string supplied did not seem to be a phone number.`),
    };
  }
  return { identifier: number, address: addressOfNumber(number) };
}

/** One SUCCESS result per individual recipient and per member of each group. */
export function successResults(resolved: ResolvedRecipients, groups: GroupRegistry, account: string): SendMessageResult[] {
  const results: SendMessageResult[] = resolved.singles.map(({ address }) => ({ recipientAddress: address, type: 'SUCCESS' }));
  for (const groupId of resolved.groupIds) {
    for (const member of groups.get(groupId).members) {
      if (member === account) continue;
      const address = memberAddress(member);
      results.push({ recipientAddress: { ...address, username: null }, groupId, type: 'SUCCESS' });
    }
  }
  return results;
}

function addressOfNumber(number: string): RecipientAddress {
  return { uuid: uuidFor(number), number, username: null };
}

function userErrorObject(message: string): SignalCliError {
  return { code: errorCodes.user, message, data: null };
}

function userError(message: string): { ok: false; error: SignalCliError } {
  return { ok: false, error: userErrorObject(message) };
}
