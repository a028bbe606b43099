// Classifies the answer to a signal-cli-rest-api `POST /v2/send` into a Transport v2 outcome
// (DECISIONS §2), for both success shapes: release 0.100's object and master's array. The
// backend id of a sent message is Signal's timestamp, as the decimal string REST writes.

import type { RecipientFailure, SendOutcomeV2 } from '@tether/core';
import { cleanErrorText, outcomeForText } from './classify-text.js';
import { arrayField, firstText, isObject, objectField, parseJson, stringField, type JsonObject } from './json-read.js';

export function classifyRestSend(status: number, bodyText: string): SendOutcomeV2 {
  // A 2xx means signal-cli accepted the message: even an unreadable body must not cause a resend.
  if (status >= 200 && status < 300) return sent(parseJson(bodyText));
  const body = parseJson(bodyText);
  const text = errorText(status, body, bodyText);
  if (status === 429) {
    const token = challengeToken(body);
    const error = cleanErrorText(text);
    return token === null ? { kind: 'rate-limited', error } : { kind: 'captcha-required', error, challengeToken: token };
  }
  if (status === 400) return outcomeForText(text);
  // signal-cli-rest-api's own 500 carries no body: gin's Recovery caught the panic of a request
  // written to a nil connection while REST redials a restarted signal-cli (R:src/main.go:94,
  // src/client/jsonrpc2.go:84, 152). Nothing reached signal-cli; a proxy's 500 has a body.
  if (status === 500 && bodyText.trim() === '') {
    return { kind: 'backend-not-ready', error: 'HTTP 500 without a body: signal-cli-rest-api has lost signal-cli (restarting?)' };
  }
  // A proxy's 413: the same bytes will be refused again.
  if (status === 413) return { kind: 'failed', error: cleanErrorText(text) };
  // A proxy's 504 means it forwarded the request and gave up waiting for signal-cli, which may
  // still send the message: that is a deadline, ours in all but name. A 500 or 502 from a proxy
  // can come after signal-cli got the request (the upstream closed mid-send): the message may
  // have gone out, so it is unknown too, never a silent resend. All three are `deadline`: our
  // link is up and signal-cli may still be working on the first send, so the gate's brief pause
  // is what protects the resend (`link-lost` would resend at once).
  if (status === 504 || status === 500 || status === 502) return { kind: 'unknown', error: cleanErrorText(text), reason: 'deadline' };
  // No route (404/405) or refused by a proxy (401/403): a configuration problem, and certainly
  // nothing was sent. Pausing keeps the outbox intact until the operator fixes it.
  if (status === 401 || status === 403 || status === 404 || status === 405) {
    return { kind: 'backend-not-ready', error: cleanErrorText(text) };
  }
  // The REST API itself never answers /v2/send with a 5xx or an unparseable body; these come
  // from a proxy in between, which did not reach signal-cli (503: no upstream) or said nothing useful.
  // Retriable is bounded, so a rare duplicate is the worst case, not an endless loop.
  return { kind: 'retriable', error: cleanErrorText(text) };
}

function errorText(status: number, body: unknown, bodyText: string): string {
  const error = isObject(body) ? stringField(body, 'error') : null;
  if (error !== null && error.trim() !== '') return error;
  const trimmed = bodyText.trim();
  return trimmed === '' ? `HTTP ${status}` : `HTTP ${status}: ${trimmed}`;
}

/** The first non-empty challenge token: a plain rate limit sends none, or `[""]` (issue #881). */
function challengeToken(body: unknown): string | null {
  if (!isObject(body)) return null;
  const tokens = arrayField(body, 'challenge_tokens').map((item) => (typeof item === 'string' ? item.trim() : null));
  return firstText(...tokens);
}

function sent(body: unknown): SendOutcomeV2 {
  // Release 0.100 answers one object; master an array, one element per recipient class.
  const parts = Array.isArray(body) ? body.filter(isObject) : isObject(body) ? [body] : [];
  const timestamp = parts.map(readTimestamp).find((value) => value !== null) ?? null;
  const failures = parts.flatMap(readFailures);
  return {
    kind: 'sent',
    ...(timestamp === null ? {} : { backendId: String(timestamp) }),
    ...(failures.length > 0 ? { partialFailures: failures } : {}),
  };
}

/** REST timestamps are decimal strings; a number is accepted too. */
function readTimestamp(part: JsonObject): number | null {
  const value = part['timestamp'];
  const number = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number > 0 ? number : null;
}

function readFailures(part: JsonObject): RecipientFailure[] {
  const errors = objectField(part, 'errors');
  if (errors === null) return [];
  return arrayField(errors, 'recipients')
    .filter(isObject)
    .map((entry) => ({
      recipient: firstText(stringField(entry, 'number'), stringField(entry, 'uuid'), stringField(entry, 'username')) ?? 'unknown',
      reason: stringField(entry, 'reason') ?? 'unknown',
    }));
}
