import { describe, expect, it } from 'vitest';
import { planOutcome, planUnknown, type PlanPolicy } from './outcome-plan.js';
import type { OutboxRecord } from './outbox-store.js';
import type { SendOutcomeV2 } from './transport-v2.js';
import { SEND_OUTCOME_KINDS } from './vocabulary.js';

const record: OutboxRecord<string> = {
  id: 'm1',
  payload: 'x',
  state: 'sending',
  createdAt: 0,
  updatedAt: 0,
  attempts: 1,
  ambiguous: false,
  unknownResends: 0,
  retriableFailures: 0,
};
const policy: PlanPolicy = { unknownPolicy: 'at-least-once', maxRetriableAttempts: 3 };

// The README's outcome table, row by row: the record's state, whether it is marked ambiguous,
// whether the head waits on the retry backoff, and what the gate does.
const TABLE: readonly [outcome: SendOutcomeV2, state: string, ambiguous: boolean | undefined, backoff: boolean, gate: string | undefined][] = [
  [{ kind: 'sent', backendId: '42' }, 'sent', undefined, false, undefined],
  [{ kind: 'not-sent', error: 'ECONNREFUSED' }, 'queued', undefined, true, undefined],
  [{ kind: 'backend-not-ready', error: 'starting' }, 'queued', undefined, false, 'backend-not-ready'],
  [{ kind: 'rate-limited', error: '429' }, 'queued', true, false, 'rate-limited'],
  [{ kind: 'captcha-required', error: '429', challengeToken: 't' }, 'queued', true, false, 'captcha-required'],
  [{ kind: 'unauthorized', error: '401' }, 'queued', undefined, false, 'unauthorized'],
  [{ kind: 'failed', error: 'not registered' }, 'failed', undefined, false, undefined],
  [{ kind: 'retriable', error: 'Failed to send message' }, 'queued', undefined, true, undefined],
  [{ kind: 'unknown', error: 'deadline', reason: 'deadline' }, 'queued', true, false, 'send-timeout'],
  [{ kind: 'unknown', error: 'socket closed', reason: 'link-lost' }, 'queued', true, false, undefined],
];

describe('planOutcome: the outcome table', () => {
  it('has a row for every outcome kind', () => {
    expect(new Set(TABLE.map(([outcome]) => outcome.kind))).toEqual(new Set(SEND_OUTCOME_KINDS));
  });

  it.each(TABLE)('%o → %s (ambiguous %s, backoff %s, gate %s)', (outcome, state, ambiguous, backoff, gate) => {
    const plan = planOutcome(record, outcome, policy);
    expect(plan.patch.state).toBe(state);
    expect(plan.patch.ambiguous).toBe(ambiguous);
    expect(plan.backoff).toBe(backoff);
    expect(plan.pause?.reason).toBe(gate);
    expect(plan.success).toBe(outcome.kind === 'sent');
  });

  it('keeps the backend id and the reasons, and summarises partial failures', () => {
    expect(planOutcome(record, { kind: 'sent', backendId: '7', partialFailures: [{ recipient: '+49…4567', reason: 'UNREGISTERED' }] }, policy).patch).toEqual({
      state: 'sent',
      retriableFailures: 0,
      backendId: '7',
      error: 'not delivered to 1 recipient(s): UNREGISTERED',
    });
    expect(planOutcome(record, { kind: 'rate-limited', error: '429', retryAfterMs: 9_000 }, policy).pause).toEqual({ reason: 'rate-limited', details: { error: '429', retryAfterMs: 9_000 } });
    expect(planOutcome(record, { kind: 'captcha-required', error: 'proof', challengeToken: 'tok' }, policy).pause?.details).toEqual({ error: 'proof', challengeToken: 'tok' });
  });

  it('fails a message on its third retriable failure', () => {
    const third = planOutcome({ ...record, retriableFailures: 2 }, { kind: 'retriable', error: 'x' }, policy);
    expect(third).toMatchObject({ patch: { state: 'failed', retriableFailures: 3 }, backoff: false });
  });

  it('resends an unknown message once under at-least-once, never under at-most-once', () => {
    expect(planUnknown(record, 'x', 'at-least-once').patch).toEqual({ state: 'queued', ambiguous: true, unknownResends: 1, error: 'x' });
    expect(planUnknown({ ...record, unknownResends: 1 }, 'x', 'at-least-once').patch).toEqual({ state: 'unknown', ambiguous: true, error: 'x' });
    expect(planUnknown(record, 'x', 'at-most-once').patch).toEqual({ state: 'unknown', ambiguous: true, error: 'x' });
  });
});
