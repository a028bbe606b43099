// The REST layer's checks on the typing, receipt, reaction and rate-limit-challenge endpoints
// (R:src/api/api.go), with its texts. Accepted requests become forwarding actions; everything
// signal-cli itself checks is left to the backend, whose answer is passed back.
import type { Action, Target } from './backend-forward.js';
import { bindGoJson, integer, text, type Bound } from './go-json.js';
import { decodeGroupRecipient } from './rest-recipients.js';
import { INVALID_REQUEST } from './send-request.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function parseTyping(body: string, stop: boolean): Parsed<Action> {
  const request = bindGoJson(body, { recipient: 'string' });
  if (request === undefined) return refuse(INVALID_REQUEST);
  const to = target(text(request, 'recipient'));
  if (to === undefined) return refuse('Invalid group id');
  return { ok: true, value: { kind: 'typing', stop, to, body: JSON.parse(body) as unknown } };
}

export function parseReceipt(body: string): Parsed<Action> {
  const request = bindGoJson(body, { recipient: 'string', receipt_type: 'string', timestamp: 'int' });
  if (request === undefined) return refuse(INVALID_REQUEST);
  const recipient = text(request, 'recipient');
  const receiptType = text(request, 'receipt_type');
  const timestamp = integer(request, 'timestamp') ?? 0;
  if (recipient === '') return refuse("Couldn't process request - recipient missing");
  if (receiptType !== 'read' && receiptType !== 'viewed') return refuse("Couldn't process request - receipt type must be read or viewed");
  if (timestamp === 0) return refuse("Couldn't process request - timestamp missing");
  return { ok: true, value: { kind: 'receipt', recipient, receiptType, timestamp, body: JSON.parse(body) as unknown } };
}

export function parseReaction(body: string, remove: boolean): Parsed<Action> {
  const request = bindGoJson(body, { recipient: 'string', reaction: 'string', target_author: 'string', timestamp: 'int' });
  if (request === undefined) return refuse(INVALID_REQUEST);
  const missing = missingReactionField(request, remove);
  if (missing !== undefined) return refuse(`Couldn't process request - ${missing} missing`);
  const to = target(text(request, 'recipient'));
  if (to === undefined) return refuse('Invalid group id');
  return {
    ok: true,
    value: {
      kind: 'reaction',
      remove,
      to,
      emoji: text(request, 'reaction'),
      targetAuthor: text(request, 'target_author'),
      timestamp: integer(request, 'timestamp') ?? 0,
      body: JSON.parse(body) as unknown,
    },
  };
}

export function parseChallenge(body: string): Parsed<{ token: string; captcha: string }> {
  const request = bindGoJson(body, { challenge_token: 'string', captcha: 'string' });
  if (request === undefined) return refuse(INVALID_REQUEST);
  const token = text(request, 'challenge_token');
  const captcha = text(request, 'captcha');
  if (token === '') return refuse("Couldn't process request - challenge token missing");
  if (captcha === '') return refuse("Couldn't process request - captcha missing");
  return { ok: true, value: { token, captcha } };
}

/** `group.…` becomes signal-cli's group id; an empty recipient stays empty for signal-cli to refuse. */
function target(recipient: string): Target | undefined {
  if (recipient === '') return {};
  if (!recipient.startsWith('group.')) return { recipient };
  const groupId = decodeGroupRecipient(recipient);
  return groupId === undefined ? undefined : { groupId };
}

function missingReactionField(request: Bound, remove: boolean): string | undefined {
  if (text(request, 'recipient') === '') return 'recipient';
  if (!remove && text(request, 'reaction') === '') return 'reaction';
  if (text(request, 'target_author') === '') return 'target_author';
  if ((integer(request, 'timestamp') ?? 0) === 0) return 'timestamp';
  return undefined;
}

function refuse<T>(error: string): Parsed<T> {
  return { ok: false, error };
}
