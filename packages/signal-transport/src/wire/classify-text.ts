// What signal-cli's error texts mean for a send (DECISIONS §2). Both backends pass these texts
// through (REST as a 400's `error`, JSON-RPC as `error.message`), so both classifiers share them.

import type { SendOutcomeV2 } from '@tether/core';
import { maskPhoneNumbers } from './mask.js';

export type TextClass = 'backend-not-ready' | 'unauthorized' | 'rate-limited' | 'failed' | 'retriable';

// Checked in order: the first match wins. "Failed to send message due to untrusted identities"
// must meet the untrusted rule before the bare "Failed to send message" falls to retriable.
const RULES: readonly (readonly [RegExp, TextClass])[] = [
  [/Specified account does not exist|Method requires valid account parameter/i, 'backend-not-ready'],
  // Signal answered 401/403 for the account itself (libsignal-service's AuthorizationFailedException,
  // "[401] Authorization failed!"): nothing went out, and no resend helps until the account works.
  [/Authorization failed|AuthorizationFailedException/i, 'unauthorized'],
  [/rate.?limit|\[429\]/i, 'rate-limited'],
  [/untrusted (identit|recipient key)/i, 'failed'],
  [/not registered|unregistered/i, 'failed'],
  [/invalid (recipient|number|phone|username|group)/i, 'failed'],
  [/empty message/i, 'failed'],
  [/view.?once/i, 'failed'],
  // An attachment over the CDN's limit: resending the same bytes cannot succeed. (A 413 *rate
  // limit* says "rate limit" and met the rule above.)
  [/\[413\]|too large/i, 'failed'],
  [/not (a )?member|group not found|unknown group/i, 'failed'],
  // GroupSendingNotAllowedException: only admins may send to this group.
  [/not allowed to send message to group/i, 'failed'],
  // signal-cli could read neither a data URI nor a file from the attachment string: the same
  // string fails again (the daemon never sees a path Tether names, so this is a bad data URI).
  [/AttachmentInvalidException/, 'failed'],
  [/^Couldn't process request/i, 'failed'],
];

/**
 * The class of an error text. Anything unrecognised, including the bare "Failed to send message"
 * that can hide a network failure, is retriable: that is bounded (three attempts), whereas
 * calling an unknown text permanent would fail a message a retry might have delivered.
 */
export function classifyErrorText(text: string): TextClass {
  return RULES.find(([pattern]) => pattern.test(text))?.[1] ?? 'retriable';
}

const MAX_ERROR_LENGTH = 500;

/** An error text fit to store and log: phone numbers masked, length bounded (proxies send pages). */
export function cleanErrorText(text: string): string {
  const masked = maskPhoneNumbers(text.trim());
  return masked.length <= MAX_ERROR_LENGTH ? masked : `${masked.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

/** The outcome `text` calls for, reporting `shown` (the text with any detail added) as the error. */
export function outcomeForText(text: string, shown: string = text): SendOutcomeV2 {
  return { kind: classifyErrorText(text), error: cleanErrorText(shown) };
}
