// Classifies the answer to a signal-cli JSON-RPC `send` into a Transport v2 outcome (DECISIONS
// §2); a sent message's backend id is Signal's timestamp as a string. Errors -1 and -5 carry the
// per-recipient results in `error.data.response.results`; they decide.

import type { RecipientFailure, SendOutcomeV2 } from '@tether/core';
import { cleanErrorText, outcomeForText } from './classify-text.js';
import { arrayField, firstText, integerField, isObject, objectField, stringField, type JsonObject } from './json-read.js';
import { maskPhoneNumber } from './mask.js';

export interface JsonRpcSendResponse {
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown };
}

interface SendResult {
  readonly recipient: string;
  readonly type: string;
  readonly token: string | null;
  readonly retryAfterSeconds: number | null;
}

// Failures a resend cannot fix; anything else (network, pre-key) may go through next time.
const PERMANENT = new Set(['UNREGISTERED_FAILURE', 'IDENTITY_FAILURE']);

export function classifyJsonRpcSend(response: JsonRpcSendResponse): SendOutcomeV2 {
  const error = response.error;
  if (error === undefined) return sent(response.result);
  const message = typeof error.message === 'string' ? error.message : '';
  const details = isObject(error.data) ? objectField(error.data, 'response') : null;
  const failures = readResults(details).filter((result) => result.type !== 'SUCCESS');
  const text = failures.length === 0 ? message : `${message} (${describe(failures)})`;
  switch (error.code) {
    case -32602:
      return { kind: 'backend-not-ready', error: cleanErrorText(text) };
    case -4:
      return { kind: 'failed', error: cleanErrorText(text) };
    // Our own request was unreadable or named an unknown method: a bug no retry will fix.
    case -32700:
    case -32600:
    case -32601:
      return { kind: 'failed', error: cleanErrorText(text) };
    case -5:
      return fromResults(failures, text) ?? { kind: 'rate-limited', error: cleanErrorText(text) };
    case -1:
      return fromResults(failures, text) ?? outcomeForText(message, text);
    default:
      // Classified by signal-cli's own text: the added recipient details must not sway it.
      return outcomeForText(message, text);
  }
}

/** What the failed recipients say, when they say it: a challenge, a rate limit, or all permanent. */
function fromResults(failures: readonly SendResult[], text: string): SendOutcomeV2 | null {
  const error = cleanErrorText(text);
  const token = failures.map((result) => result.token).find((value): value is string => value !== null);
  if (token !== undefined) return { kind: 'captcha-required', error, challengeToken: token };
  const limited = failures.filter((result) => result.type === 'RATE_LIMIT_FAILURE');
  if (limited.length > 0) {
    const seconds = Math.max(0, ...limited.map((result) => result.retryAfterSeconds ?? 0));
    return seconds > 0 ? { kind: 'rate-limited', error, retryAfterMs: seconds * 1000 } : { kind: 'rate-limited', error };
  }
  if (failures.length > 0 && failures.every((result) => PERMANENT.has(result.type))) return { kind: 'failed', error };
  return null;
}

function sent(result: unknown): SendOutcomeV2 {
  const body = isObject(result) ? result : null;
  const timestamp = body === null ? null : integerField(body, 'timestamp');
  const failures: RecipientFailure[] = readResults(body)
    .filter((entry) => entry.type !== 'SUCCESS')
    .map((entry) => ({ recipient: entry.recipient, reason: entry.type }));
  return {
    kind: 'sent',
    ...(timestamp === null ? {} : { backendId: String(timestamp) }),
    ...(failures.length > 0 ? { partialFailures: failures } : {}),
  };
}

function readResults(holder: JsonObject | null): SendResult[] {
  if (holder === null) return [];
  return arrayField(holder, 'results')
    .filter(isObject)
    .map((entry) => {
      const address = objectField(entry, 'recipientAddress');
      const id = address === null ? null : firstText(stringField(address, 'number'), stringField(address, 'uuid'), stringField(address, 'username'));
      const token = stringField(entry, 'token');
      return {
        recipient: id ?? stringField(entry, 'groupId') ?? 'unknown',
        type: stringField(entry, 'type') ?? 'UNKNOWN',
        token: token === null || token.trim() === '' ? null : token.trim(),
        retryAfterSeconds: integerField(entry, 'retryAfterSeconds'),
      };
    });
}

/** "+49…4567: UNREGISTERED_FAILURE, …" for the error text (masked: it is stored and logged). */
function describe(failures: readonly SendResult[]): string {
  const shown = failures.slice(0, 5).map((result) => `${maskPhoneNumber(result.recipient)}: ${result.type}`);
  return failures.length > 5 ? `${shown.join(', ')}, and ${failures.length - 5} more` : shown.join(', ');
}
