// Group commit: every request that arrives in one turn of the event loop is committed in one store
// call, the outbox hears of the new messages before anyone is answered, a refused request fails
// alone, a store failure fails the whole group, and nothing is taken once intake is closed.
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { Intake } from './intake.js';
import type { MessageRecord, Submission, SubmitResult } from './ports.js';

const record = (id: string): MessageRecord => ({
  id,
  payload: { recipients: ['+4915187654321'], message: id },
  state: 'queued',
  createdAt: 1,
  updatedAt: 1,
  attempts: 0,
  ambiguous: false,
  unknownResends: 0,
  retriableFailures: 0,
});

const submission = (text: string, idempotencyKey?: string): Submission => ({
  messages: [{ message: { recipients: ['+4915187654321'], message: text } }],
  requestHash: text,
  ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
});

describe('Intake', () => {
  it('commits what arrives in one turn together, tells the outbox first, then answers each', async () => {
    const calls: (readonly Submission[])[] = [];
    const order: string[] = [];
    const intake = new Intake({
      now: () => 42,
      store: {
        submit: (submissions, now) => {
          expect(now).toBe(42);
          calls.push(submissions);
          return submissions.map((each): SubmitResult =>
            each.requestHash === 'taken' ? { ok: false, error: new AppError('idempotency-conflict', 'used') } : { ok: true, created: each.requestHash !== 'again', records: [record(each.requestHash)] },
          );
        },
      },
      committed: (records) => void order.push(`committed ${records.map((each) => each.id).join(',')}`),
    });
    const answers = [intake.submit(submission('a')), intake.submit(submission('taken')), intake.submit(submission('again')), intake.submit(submission('b'))].map((pending, index) =>
      pending.then(
        (result) => (order.push(`answered ${index}`), result),
        (error: unknown) => (order.push(`refused ${index}`), error),
      ),
    );
    const results = await Promise.all(answers);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((each) => each.requestHash)).toEqual(['a', 'taken', 'again', 'b']);
    expect(order).toEqual(['committed a,b', 'answered 0', 'refused 1', 'answered 2', 'answered 3']);
    expect(results[1]).toMatchObject({ code: 'idempotency-conflict' });
    expect(results[2]).toMatchObject({ created: false });
    // the next turn is the next group
    await intake.submit(submission('c'));
    expect(calls).toHaveLength(2);
  });

  it('fails the whole group with storage-failed when the store cannot commit', async () => {
    const cause = new Error('database or disk is full');
    const intake = new Intake({
      now: () => 1,
      store: {
        submit: () => {
          throw cause;
        },
      },
      committed: () => undefined,
    });
    const results = await Promise.allSettled([intake.submit(submission('a')), intake.submit(submission('b'))]);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'storage-failed', message: 'the outbox could not commit: database or disk is full', cause } });
    }
  });

  it('refuses everything after close, asking to come back later', async () => {
    let called = false;
    const intake = new Intake({ now: () => 1, store: { submit: () => ((called = true), []) }, committed: () => undefined });
    intake.close();
    await expect(intake.submit(submission('late'))).rejects.toMatchObject({ code: 'shutting-down', retryAfterSeconds: 5 });
    expect(called).toBe(false);
  });
});
