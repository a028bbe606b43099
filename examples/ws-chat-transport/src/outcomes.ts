// The one table from the server's error codes to send outcomes (STYLE habit 15). Every code
// the protocol knows has a row, so a new code cannot slip through unclassified.
import type { SendOutcomeV2 } from '@tether/core';
import type { ErrorCode, ServerFrame } from './protocol.js';

const BY_CODE: Record<ErrorCode, (error: string, retryAfterMs: number | undefined) => SendOutcomeV2> = {
  // the post itself is wrong: resending it cannot help
  invalid: (error) => ({ kind: 'failed', error }),
  // the server may have stored it before refusing: the outbox marks it ambiguous
  'rate-limited': (error, retryAfterMs) => ({ kind: 'rate-limited', error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }),
  unauthorized: (error) => ({ kind: 'unauthorized', error }),
  'not-ready': (error) => ({ kind: 'backend-not-ready', error }),
  busy: (error) => ({ kind: 'retriable', error }),
};

/** The outcome of an answered post. */
export function outcomeOf(answer: Extract<ServerFrame, { type: 'ack' | 'error' }>): SendOutcomeV2 {
  if (answer.type === 'ack') return { kind: 'sent', backendId: answer.messageId };
  return BY_CODE[answer.code](`${answer.code}: ${answer.message}`, answer.retryAfterMs);
}
