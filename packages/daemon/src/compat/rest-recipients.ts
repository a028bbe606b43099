// Recipients in two stages, as the real stack checks them: signal-cli-rest-api sorts `recipients`
// into one group, numbers (with ACI UUIDs) or usernames and refuses mixes; signal-cli then refuses
// what it cannot address. Both stages answer with the real texts; the result is Tether's grammar.
import { parseRecipient } from '@tether/signal-transport';
import { decodeStrictBase64 } from './attachments.js';

export type RestRecipients =
  | { readonly kind: 'group'; readonly groupId: string }
  | { readonly kind: 'numbers'; readonly numbers: readonly string[] }
  | { readonly kind: 'usernames'; readonly usernames: readonly string[] };

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SPLIT = ' Please split them up into multiple REST API calls.';

/** The REST layer (getRecipientType and SendV2's mixing rules). */
export function classifyRestRecipients(recipients: readonly string[]): Checked<RestRecipients> {
  const groups: string[] = [];
  const numbers: string[] = [];
  const usernames: string[] = [];
  for (const recipient of recipients) {
    const kind = restKind(recipient);
    if (typeof kind === 'object') return { ok: false, error: kind.error };
    (kind === 'group' ? groups : kind === 'number' ? numbers : usernames).push(recipient);
  }
  if (numbers.length > 0 && groups.length > 0) return refuse(`Signal Messenger Groups and phone numbers cannot be specified together in one request!${SPLIT}`);
  if (usernames.length > 0 && groups.length > 0) return refuse(`Signal Messenger Groups and usernames cannot be specified together in one request!${SPLIT}`);
  if (numbers.length > 0 && usernames.length > 0) return refuse(`Signal Messenger phone numbers and usernames cannot be specified together in one request!${SPLIT}`);
  if (groups.length > 1) return refuse('A signal message cannot be sent to more than one group at once! Please use multiple REST API calls for that.');
  if (groups[0] !== undefined) return { ok: true, value: { kind: 'group', groupId: groups[0] } };
  return { ok: true, value: usernames.length > 0 ? { kind: 'usernames', usernames } : { kind: 'numbers', numbers } };
}

function restKind(recipient: string): 'group' | 'number' | 'username' | { error: string } {
  if (recipient.startsWith('group.')) {
    const encoded = recipient.slice('group.'.length);
    const once = decodeStrictBase64(encoded);
    if (typeof once !== 'number') {
      const twice = decodeStrictBase64(once.toString('latin1'));
      // The unbalanced parenthesis is the real API's.
      if (typeof twice !== 'number') return twice.length === 32 ? 'group' : { error: `Invalid Signal group size (${twice.length}` };
    } else if (encoded.length <= 10) {
      return 'username';
    }
    return { error: `Invalid identifier ${recipient}` };
  }
  return /^(\+[\d ]*)?$/.test(recipient) || UUID.test(recipient) ? 'number' : 'username';
}

/** signal-cli's stage: the recipients Tether's outbox will address, or signal-cli's refusal. */
export function resolveRecipients(recipients: RestRecipients): Checked<string[]> {
  if (recipients.kind === 'group') return { ok: true, value: [recipients.groupId] };
  const resolved: string[] = [];
  for (const entry of recipients.kind === 'numbers' ? recipients.numbers : recipients.usernames.map((name) => `u:${name}`)) {
    const single = resolveSingle(entry);
    if (!single.ok) return single;
    resolved.push(single.value);
  }
  return { ok: true, value: resolved };
}

/** One signal-cli `recipient`: an ACI, `u:` and a username, or a number with separators allowed. */
export function resolveSingle(raw: string): Checked<string> {
  if (UUID.test(raw)) return { ok: true, value: raw.toLowerCase() };
  if (raw.startsWith('u:')) {
    const name = raw.slice(2);
    const parsed = name.startsWith('u:') ? undefined : parseRecipient(name);
    return parsed?.kind === 'username' ? { ok: true, value: parsed.value } : refuse(`The user ${name} is not registered.`);
  }
  const number = raw.replace(/[\s\-().]/g, '');
  const parsed = parseRecipient(number);
  if (parsed.kind === 'number') return { ok: true, value: parsed.value };
  return refuse(`Invalid phone number '${raw}': The string supplied did not seem to be a phone number.`);
}

/** A `group.…` id of the typing and reaction endpoints: undefined when it is not valid base64. */
export function decodeGroupRecipient(recipient: string): string | undefined {
  const decoded = decodeStrictBase64(recipient.slice('group.'.length));
  return typeof decoded === 'number' ? undefined : decoded.toString('latin1');
}

function refuse<T>(error: string): Checked<T> {
  return { ok: false, error };
}
