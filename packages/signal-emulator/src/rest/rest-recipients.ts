// signal-cli-rest-api's reading of `recipients` (R:src/client/client.go getRecipientType and
// SendV2): `group.` ids decode twice to 32 bytes, `+digits` and UUIDs are numbers, anything
// else is a username; the three kinds may not be mixed and only one group is allowed.
import { decodeGoBase64 } from '../attachments.js';
import { isUuid } from '../identity.js';

export type RestRecipients =
  | { kind: 'group'; groupId: string }
  | { kind: 'numbers'; numbers: string[] }
  | { kind: 'usernames'; usernames: string[] };

export type ClassifyResult = { ok: true; value: RestRecipients } | { ok: false; error: string };

type Single = { kind: 'group'; groupId: string } | { kind: 'number' | 'username'; value: string };

export function classifyRestRecipient(recipient: string): Single | { error: string } {
  if (recipient.startsWith('group.')) {
    const encoded = recipient.slice('group.'.length);
    const once = decodeGoBase64(encoded);
    if (typeof once !== 'number') {
      const twice = decodeGoBase64(once.toString('latin1'));
      if (typeof twice !== 'number') {
        // The missing closing parenthesis is in the original message.
        if (twice.length !== 32) return { error: `Invalid Signal group size (${twice.length}` };
        return { kind: 'group', groupId: once.toString('latin1') };
      }
    } else if (encoded.length <= 10) {
      return { kind: 'username', value: recipient };
    }
    return { error: `Invalid identifier ${recipient}` };
  }
  if (isPhoneNumber(recipient) || isUuid(recipient)) return { kind: 'number', value: recipient };
  return { kind: 'username', value: recipient };
}

export function classifyRestRecipients(recipients: readonly string[]): ClassifyResult {
  const groups: string[] = [];
  const numbers: string[] = [];
  const usernames: string[] = [];
  for (const recipient of recipients) {
    const single = classifyRestRecipient(recipient);
    if ('error' in single) return { ok: false, error: single.error };
    if (single.kind === 'group') groups.push(single.groupId);
    else if (single.kind === 'number') numbers.push(single.value);
    else usernames.push(single.value);
  }
  const split = ' Please split them up into multiple REST API calls.';
  if (numbers.length > 0 && groups.length > 0) {
    return { ok: false, error: `Signal Messenger Groups and phone numbers cannot be specified together in one request!${split}` };
  }
  if (usernames.length > 0 && groups.length > 0) {
    return { ok: false, error: `Signal Messenger Groups and usernames cannot be specified together in one request!${split}` };
  }
  if (numbers.length > 0 && usernames.length > 0) {
    return {
      ok: false,
      error: `Signal Messenger phone numbers and usernames cannot be specified together in one request!${split}`,
    };
  }
  if (groups.length > 1) {
    return {
      ok: false,
      error: 'A signal message cannot be sent to more than one group at once! Please use multiple REST API calls for that.',
    };
  }
  const [groupId] = groups;
  if (groupId !== undefined) return { ok: true, value: { kind: 'group', groupId } };
  if (usernames.length > 0) return { ok: true, value: { kind: 'usernames', usernames } };
  return { ok: true, value: { kind: 'numbers', numbers } };
}

/** R:src/utils/utils.go IsPhoneNumber: a leading `+`, then only digits and spaces. */
function isPhoneNumber(value: string): boolean {
  return /^(\+[\d ]*)?$/.test(value);
}
