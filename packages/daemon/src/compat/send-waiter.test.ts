// compat's wait mode: a waiting request learns its message's outcome from the durable log (or
// from the record, when the outcome came first), and gives up as pending at its deadline, when
// its client goes away, or at shutdown, leaving no timer or listener behind.
import { Emitter, noopLogger } from '@tether/core';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent, MessageRecord } from '../app/ports.js';
import type { Message } from '../protocol/index.js';
import { SendWaiter } from './send-waiter.js';

function setup(records: Record<string, Partial<MessageRecord>> = {}) {
  const log = new Emitter<LoggedEvent>({ logger: noopLogger, name: 'logged' });
  let nextId = 1;
  const waiter = new SendWaiter({
    events: { logged: log.event } as never,
    record: async (id) => (records[id] ? ({ id, state: 'queued', ...records[id] } as MessageRecord) : undefined),
  });
  const tell = (message: Partial<Message> & { id: string }): void => log.emit({ id: nextId++, kind: 'message', at: 1, data: JSON.stringify(message) });
  return { waiter, tell };
}

const never = new AbortController().signal;

describe('SendWaiter', () => {
  it('answers at once from a record that is already settled', async () => {
    const { waiter } = setup({ a: { state: 'sent', backendId: '1700' }, b: { state: 'failed', error: 'untrusted' }, c: { state: 'read', backendId: '9' }, d: { state: 'failed' } });
    expect(await waiter.wait('a', 1_000, never)).toEqual({ kind: 'sent', signalTimestamp: 1700 });
    expect(await waiter.wait('b', 1_000, never)).toEqual({ kind: 'failed', error: 'untrusted' });
    expect(await waiter.wait('c', 1_000, never)).toEqual({ kind: 'sent', signalTimestamp: 9 });
    expect(await waiter.wait('d', 1_000, never)).toEqual({ kind: 'failed', error: 'Failed to send message' });
  });

  it('answers when the log tells the outcome, every waiter of the same message', async () => {
    const { waiter, tell } = setup({ m: {} });
    const first = waiter.wait('m', 10_000, never);
    const second = waiter.wait('m', 10_000, never);
    tell({ id: 'other', state: 'sent', signalTimestamp: 1 });
    tell({ id: 'm', state: 'sending' });
    tell({ id: 'm', state: 'sent', signalTimestamp: 42 });
    expect(await Promise.all([first, second])).toEqual([
      { kind: 'sent', signalTimestamp: 42 },
      { kind: 'sent', signalTimestamp: 42 },
    ]);
  });

  it('is pending without a wait, at the deadline, when the client leaves, for a sent message without a timestamp, and at shutdown', async () => {
    const { waiter, tell } = setup({ m: {}, n: { state: 'sent' } });
    expect(await waiter.wait('m', 0, never)).toEqual({ kind: 'pending' });
    expect(await waiter.wait('m', 5, never)).toEqual({ kind: 'pending' });
    const client = new AbortController();
    const leaving = waiter.wait('m', 10_000, client.signal);
    client.abort();
    expect(await leaving).toEqual({ kind: 'pending' });
    expect(await waiter.wait('m', 10, client.signal)).toEqual({ kind: 'pending' });
    expect(await waiter.wait('n', 10_000, never)).toEqual({ kind: 'pending' });
    const open = waiter.wait('m', 10_000, never);
    waiter.close();
    expect(await open).toEqual({ kind: 'pending' });
    // after close nothing is heard any more
    tell({ id: 'm', state: 'sent', signalTimestamp: 1 });
  });

  it('keeps waiting when the record cannot be read: the log or the deadline answers', async () => {
    const log = new Emitter<LoggedEvent>({ logger: noopLogger, name: 'logged' });
    const waiter = new SendWaiter({ events: { logged: log.event } as never, record: () => Promise.reject(new Error('database is locked')) });
    const waiting = waiter.wait('m', 10_000, never);
    log.emit({ id: 1, kind: 'message', at: 1, data: JSON.stringify({ id: 'm', state: 'failed', error: 'expired' }) });
    expect(await waiting).toEqual({ kind: 'failed', error: 'expired' });
  });
});
