// What one send outcome does, as data: the record's patch, whether the gate pauses, whether the
// head waits on the retry backoff. Pure, so the README's outcome table and the outbox cannot
// drift apart: the table's tests read this function.
import type { PauseDetails } from './send-gate.js';
import type { OutboxRecord, RecordPatch } from './outbox-store.js';
import type { SendOutcomeV2 } from './transport-v2.js';
import type { GateReason } from './vocabulary.js';

export type UnknownPolicy = 'at-least-once' | 'at-most-once';

export interface OutcomePlan {
  readonly patch: RecordPatch;
  /** The log message. */
  readonly event: string;
  /** Pause the gate for this reason. */
  readonly pause?: { readonly reason: GateReason; readonly details: PauseDetails };
  /** Wait the outbox's retry backoff before the head is tried again. */
  readonly backoff: boolean;
  /** The backend took the message: gate backoffs and the retry streak start over. */
  readonly success: boolean;
}

export interface PlanPolicy {
  readonly unknownPolicy: UnknownPolicy;
  readonly maxRetriableAttempts: number;
}

/** The plan for `outcome` of a send of `record` (the record as it was while sending). */
export function planOutcome(record: OutboxRecord<unknown>, outcome: SendOutcomeV2, policy: PlanPolicy): OutcomePlan {
  const plain = { backoff: false, success: false } as const;
  switch (outcome.kind) {
    case 'sent':
      return {
        ...plain,
        success: true,
        patch: { state: 'sent', retriableFailures: 0, backendId: outcome.backendId, error: partial(outcome.partialFailures) },
        event: 'message sent',
      };
    case 'failed':
      return { ...plain, patch: { state: 'failed', error: outcome.error }, event: 'message failed' };
    case 'not-sent':
      return { ...plain, backoff: true, patch: { state: 'queued', error: outcome.error }, event: 'message not sent; stays queued' };
    case 'retriable': {
      const failures = record.retriableFailures + 1;
      if (failures >= policy.maxRetriableAttempts) {
        return { ...plain, patch: { state: 'failed', retriableFailures: failures, error: outcome.error }, event: 'message failed after retries' };
      }
      return { ...plain, backoff: true, patch: { state: 'queued', retriableFailures: failures, error: outcome.error }, event: 'message send failed; will retry' };
    }
    case 'backend-not-ready':
      return {
        ...plain,
        patch: { state: 'queued', error: outcome.error },
        pause: { reason: 'backend-not-ready', details: { error: outcome.error } },
        event: 'backend not ready; message stays queued',
      };
    case 'unauthorized':
      return {
        ...plain,
        patch: { state: 'queued', error: outcome.error },
        pause: { reason: 'unauthorized', details: { error: outcome.error } },
        event: 'backend refused our credentials; message stays queued',
      };
    case 'rate-limited':
      return {
        ...plain,
        patch: { state: 'queued', ambiguous: true, error: outcome.error },
        pause: { reason: 'rate-limited', details: { error: outcome.error, ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }) } },
        event: 'rate limited; message stays queued',
      };
    case 'captcha-required':
      return {
        ...plain,
        patch: { state: 'queued', ambiguous: true, error: outcome.error },
        pause: { reason: 'captcha-required', details: { error: outcome.error, challengeToken: outcome.challengeToken } },
        event: 'captcha required; message stays queued',
      };
    case 'unknown':
      return {
        ...planUnknown(record, outcome.error, policy.unknownPolicy),
        // Only a deadline suggests the backend may still be working on the first send; a lost
        // connection is the link's business, and the link is down until it reconnects.
        ...(outcome.reason === 'deadline' ? { pause: { reason: 'send-timeout', details: { error: outcome.error } } } : {}),
      };
  }
}

/** An unknown outcome (or a crash mid-send): resent once under at-least-once, else left for the operator. */
export function planUnknown(record: OutboxRecord<unknown>, error: string, unknownPolicy: UnknownPolicy): OutcomePlan {
  if (unknownPolicy === 'at-least-once' && record.unknownResends < 1) {
    return {
      backoff: false,
      success: false,
      patch: { state: 'queued', ambiguous: true, unknownResends: record.unknownResends + 1, error },
      event: 'outcome unknown; will resend once',
    };
  }
  return { backoff: false, success: false, patch: { state: 'unknown', ambiguous: true, error }, event: 'outcome unknown' };
}

function partial(failures: readonly { recipient: string; reason: string }[] | undefined): string | undefined {
  if (!failures || failures.length === 0) return undefined;
  return `not delivered to ${failures.length} recipient(s): ${failures.map((failure) => failure.reason).join(', ')}`;
}
