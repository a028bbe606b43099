import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore, type OutboxRecord } from './outbox-store.js';
import { Outbox, type UnknownPolicy } from './outbox.js';
import { SendGate } from './send-gate.js';
import { FakeClock, flushPromises } from './testing/fake-clock.js';
import { FakeTransport } from './testing/fake-transport.js';
import type { SendOutcome } from './transport.js';

function setup(options: { unknownPolicy?: UnknownPolicy; up?: boolean; maxQueued?: number } = {}) {
  const clock = new FakeClock(0);
  const transport = new FakeTransport<string>();
  const store = new MemoryOutboxStore<string>(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued });
  const gate = new SendGate({ clock, random: () => 0.5 });
  const link = { up: options.up ?? true };
  let idle = 0;
  const outbox = new Outbox<string>({
    store,
    gate,
    clock,
    random: () => 0.5,
    send: (message, sendOptions) => transport.send(message, sendOptions),
    canSend: () => link.up,
    onIdle: () => idle++,
    sendTimeoutMs: 10_000,
    ...(options.unknownPolicy ? { unknownPolicy: options.unknownPolicy } : {}),
  });
  const changes: OutboxRecord<string>[] = [];
  outbox.onChange((record) => changes.push(record));
  return { clock, transport, store, gate, link, outbox, changes, idle: () => idle };
}

describe('Outbox', () => {
  it('sends queued messages in order and keeps the Signal timestamp', async () => {
    const { transport, outbox, store, idle } = setup();
    const ids = ['one', 'two', 'three'].map((text) => outbox.enqueue(text).id);
    await flushPromises();
    expect(transport.sent).toEqual(['one', 'two', 'three']);
    expect(ids.map((id) => store.get(id)?.state)).toEqual(['sent', 'sent', 'sent']);
    expect(store.get(ids[0]!)).toMatchObject({ attempts: 1, ambiguous: false, signalTimestamp: 1_000 });
    expect(idle()).toBeGreaterThanOrEqual(1);
  });

  it('adopts messages committed to the store by the caller, announcing and sending them', async () => {
    const { transport, outbox, store, changes } = setup();
    const records = [store.add('x', { now: 0 }), store.add('y', { now: 0 })];
    outbox.adopt(records);
    await flushPromises();
    expect(transport.sent).toEqual(['x', 'y']);
    expect(changes.slice(0, 2).map((record) => record.state)).toEqual(['queued', 'queued']);
  });

  it('paces sends when asked: a burst, then the rate', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<string>();
    const store = new MemoryOutboxStore<string>();
    const outbox = new Outbox<string>({
      store,
      clock,
      gate: new SendGate({ clock }),
      canSend: () => true,
      send: (message, options) => transport.send(message, options),
      pacing: { ratePerMinute: 6, burst: 2 },
    });
    for (const text of ['a', 'b', 'c', 'd']) outbox.enqueue(text);
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'b']);
    await clock.advanceAsync(9_999);
    expect(transport.sent).toEqual(['a', 'b']);
    await clock.advanceAsync(1);
    expect(transport.sent).toEqual(['a', 'b', 'c']);
    await clock.advanceAsync(10_000);
    expect(transport.sent).toEqual(['a', 'b', 'c', 'd']);
    await outbox.close();
  });

  it('holds messages while the link is down and sends them once it is up', async () => {
    const { transport, outbox, link, store } = setup({ up: false });
    outbox.enqueue('a');
    outbox.enqueue('b');
    await flushPromises();
    expect(transport.sent).toEqual([]);
    expect(store.counts()).toMatchObject({ queued: 2, oldestQueuedAt: 0 });
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'b']);
  });

  it('survives a throwing listener and a failing store: nothing crashes, the drain is tried again', async () => {
    const { clock, transport, outbox, store } = setup();
    outbox.onChange(() => {
      throw new Error('listener bug');
    });
    const first = outbox.enqueue('a');
    await flushPromises();
    expect(store.get(first.id)?.state).toBe('sent');
    const head = store.head.bind(store);
    let failures = 1;
    store.head = () => {
      if (failures-- > 0) throw new Error('disk I/O error');
      return head();
    };
    const second = outbox.enqueue('b');
    await flushPromises();
    expect(store.get(second.id)?.state).toBe('queued');
    await clock.advanceAsync(1_000);
    expect(store.get(second.id)?.state).toBe('sent');
    expect(transport.sent).toEqual(['a', 'b']);
  });

  it('cancelling the last queued message ends the backlog', async () => {
    const { outbox, link, idle } = setup({ up: false });
    const only = outbox.enqueue('a');
    link.up = true;
    const before = idle();
    outbox.cancel(only.id);
    await flushPromises();
    expect(idle()).toBeGreaterThan(before);
  });

  it('reports every outcome with its duration', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<string>();
    const seen: unknown[] = [];
    const outbox = new Outbox<string>({
      store: new MemoryOutboxStore<string>(),
      clock,
      gate: new SendGate({ clock }),
      canSend: () => true,
      send: (message, options) => transport.send(message, options),
      sendTimeoutMs: 500,
      unknownPolicy: 'at-most-once',
      onOutcome: (event) => seen.push(event),
    });
    transport.queueOutcomes('hang');
    const record = outbox.enqueue('a');
    await clock.advanceAsync(500);
    expect(seen).toEqual([{ id: record.id, outcome: { kind: 'unknown', error: 'no answer before the deadline' }, durationMs: 500 }]);
    await outbox.close();
  });

  it('fails a permanent error and moves on', async () => {
    const { transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'failed', error: 'The user +49…4567 is not registered.' });
    const first = outbox.enqueue('a');
    const second = outbox.enqueue('b');
    await flushPromises();
    expect(store.get(first.id)).toMatchObject({ state: 'failed', error: 'The user +49…4567 is not registered.', ambiguous: false });
    expect(store.get(second.id)?.state).toBe('sent');
  });

  it('retries a retriable failure with backoff, at most 3 attempts, keeping order', async () => {
    const { clock, transport, outbox, store } = setup();
    const failure: SendOutcome = { kind: 'retriable', error: 'Failed to send message' };
    transport.queueOutcomes(failure, failure, failure);
    const first = outbox.enqueue('a');
    outbox.enqueue('b');
    await flushPromises();
    expect(store.get(first.id)).toMatchObject({ state: 'queued', retriableFailures: 1 });
    await clock.advanceAsync(60_000);
    expect(store.get(first.id)).toMatchObject({ state: 'failed', attempts: 3, error: 'Failed to send message' });
    expect(transport.sent).toEqual(['a', 'a', 'a', 'b']);
  });

  it('keeps a not-sent message at the head without marking it ambiguous', async () => {
    const { clock, transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'not-sent', error: 'ECONNREFUSED' });
    const first = outbox.enqueue('a');
    outbox.enqueue('b');
    await flushPromises();
    expect(store.get(first.id)).toMatchObject({ state: 'queued', ambiguous: false });
    await clock.advanceAsync(1_000);
    expect(transport.sent).toEqual(['a', 'a', 'b']);
    expect(store.get(first.id)?.state).toBe('sent');
  });

  it('pauses the gate on a rate limit, marks the message ambiguous, and resends after the pause', async () => {
    const { clock, transport, outbox, store, gate } = setup();
    transport.queueOutcomes({ kind: 'rate-limited', error: '429', retryAfterMs: 20_000 });
    const first = outbox.enqueue('a');
    await flushPromises();
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'rate-limited', until: 20_000 });
    expect(store.get(first.id)).toMatchObject({ state: 'queued', ambiguous: true });
    outbox.enqueue('b');
    await clock.advanceAsync(19_999);
    expect(transport.sent).toEqual(['a']);
    await clock.advanceAsync(1);
    expect(transport.sent).toEqual(['a', 'a', 'b']);
    expect(store.get(first.id)).toMatchObject({ state: 'sent', ambiguous: true });
  });

  it('sends nothing while a captcha is required, until the gate is opened', async () => {
    const { clock, transport, outbox, gate } = setup();
    transport.queueOutcomes({ kind: 'captcha-required', error: 'proof required', challengeToken: 'abc' });
    outbox.enqueue('a');
    await flushPromises();
    expect(gate.state).toMatchObject({ reason: 'captcha-required', challengeToken: 'abc' });
    await clock.advanceAsync(3_600_000);
    expect(transport.sent).toEqual(['a']);
    gate.open('challenge submitted');
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'a']);
  });

  it('pauses for backend-not-ready without marking the message ambiguous', async () => {
    const { clock, transport, outbox, store, gate } = setup();
    transport.queueOutcomes({ kind: 'backend-not-ready', error: 'Specified account does not exist' });
    const first = outbox.enqueue('a');
    await flushPromises();
    expect(gate.state).toMatchObject({ reason: 'backend-not-ready' });
    expect(store.get(first.id)).toMatchObject({ state: 'queued', ambiguous: false });
    await clock.advanceAsync(2_000);
    expect(store.get(first.id)?.state).toBe('sent');
  });

  it('at-least-once: an unknown outcome is resent exactly once, after the send-timeout pause', async () => {
    const { clock, transport, outbox, store, gate } = setup();
    transport.queueOutcomes('hang', 'hang');
    const first = outbox.enqueue('a');
    outbox.enqueue('b');
    await clock.advanceAsync(10_000);
    expect(store.get(first.id)).toMatchObject({ state: 'queued', ambiguous: true, unknownResends: 1 });
    expect(gate.state).toMatchObject({ reason: 'send-timeout' });
    await clock.advanceAsync(5_000);
    await clock.advanceAsync(10_000);
    expect(store.get(first.id)).toMatchObject({ state: 'unknown', ambiguous: true, attempts: 2 });
    await clock.advanceAsync(5_000);
    expect(transport.sent).toEqual(['a', 'a', 'b']);
  });

  it('at-most-once: an unknown outcome is left unknown for the operator', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const first = outbox.enqueue('a');
    await clock.advanceAsync(10_000);
    expect(store.get(first.id)).toMatchObject({ state: 'unknown', ambiguous: true, attempts: 1 });
    await clock.advanceAsync(60_000);
    expect(transport.sent).toEqual(['a']);
  });

  it('a late answer turns an unknown message into sent', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const first = outbox.enqueue('a');
    await clock.advanceAsync(10_000);
    transport.answerLate(0, { kind: 'sent', timestamp: 77 });
    expect(store.get(first.id)).toMatchObject({ state: 'sent', signalTimestamp: 77, ambiguous: true });
  });

  it('a late answer that is not "sent", or for a message that moved on, changes nothing', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const first = outbox.enqueue('a');
    await clock.advanceAsync(10_000);
    transport.answerLate(0, { kind: 'failed', error: 'x' });
    expect(store.get(first.id)?.state).toBe('unknown');
  });

  it('records partial recipient failures on a sent message', async () => {
    const { transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'sent', timestamp: 5, partialFailures: [{ recipient: '+49…4567', reason: 'IDENTITY_FAILURE' }] });
    const first = outbox.enqueue('a');
    await flushPromises();
    expect(store.get(first.id)).toMatchObject({ state: 'sent', error: 'not delivered to 1 recipient(s): IDENTITY_FAILURE' });
  });

  it('expires a message whose expiresAt passed while it waited', async () => {
    const { clock, outbox, store, link, transport } = setup({ up: false });
    const first = outbox.enqueue('a', { expiresAt: 1_000 });
    const second = outbox.enqueue('b', { expiresAt: 10_000 });
    clock.advance(5_000);
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(store.get(first.id)).toMatchObject({ state: 'failed', error: 'expired' });
    expect(store.get(second.id)?.state).toBe('sent');
    expect(transport.sent).toEqual(['b']);
  });

  it('expires a waiting message on request once its time has passed, and nothing else', () => {
    const { clock, outbox, store } = setup({ up: false });
    const due = outbox.enqueue('a', { expiresAt: 1_000 });
    const later = outbox.enqueue('b', { expiresAt: 5_000 });
    const never = outbox.enqueue('c');
    clock.advance(2_000);
    expect(outbox.expire(due.id)).toMatchObject({ state: 'failed', error: 'expired' });
    expect(outbox.expire(later.id)).toBeUndefined();
    expect(outbox.expire(never.id)).toBeUndefined();
    expect(outbox.expire('missing')).toBeUndefined();
    expect(store.get(later.id)?.state).toBe('queued');
  });

  it('cancels queued and unknown messages, refuses others with a conflict', async () => {
    const { outbox, store, link, transport } = setup({ up: false });
    const first = outbox.enqueue('a');
    expect(outbox.cancel(first.id)).toMatchObject({ state: 'failed', error: 'cancelled' });
    expect(() => outbox.cancel(first.id)).toThrow(/failed/);
    expect(() => outbox.cancel('nope')).toThrow(/no message/);
    link.up = true;
    transport.queueOutcomes('hang');
    const second = outbox.enqueue('b');
    await flushPromises();
    expect(store.get(second.id)?.state).toBe('sending');
    expect(outbox.inFlight).toBe(second.id);
    expect(() => outbox.cancel(second.id)).toThrow(/sending/);
  });

  it('retries a failed message at the back of the queue', async () => {
    const { transport, outbox, store, link } = setup();
    transport.queueOutcomes({ kind: 'failed', error: 'untrusted identity' });
    const first = outbox.enqueue('a');
    await flushPromises();
    link.up = false;
    outbox.enqueue('b');
    const retried = outbox.retry(first.id);
    expect(retried).toMatchObject({ state: 'queued' });
    expect(retried.error).toBeUndefined();
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'b', 'a']);
    expect(store.get(first.id)?.state).toBe('sent');
    expect(() => outbox.retry(first.id)).toThrow(/only failed or unknown/);
  });

  it('recovers messages left sending by a crash according to the unknown policy', () => {
    const leastOnce = setup({ up: false });
    const a = leastOnce.outbox.enqueue('a');
    leastOnce.store.update(a.id, { state: 'sending', attempts: 1 }, 0);
    expect(leastOnce.outbox.recover()).toBe(1);
    expect(leastOnce.store.get(a.id)).toMatchObject({ state: 'queued', ambiguous: true, unknownResends: 1 });

    const mostOnce = setup({ up: false, unknownPolicy: 'at-most-once' });
    const b = mostOnce.outbox.enqueue('b');
    mostOnce.store.update(b.id, { state: 'sending', attempts: 1 }, 0);
    mostOnce.outbox.recover();
    expect(mostOnce.store.get(b.id)).toMatchObject({ state: 'unknown', ambiguous: true });
  });

  it('treats a transport that throws as an unknown outcome', async () => {
    const { clock, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    const throwing = new Outbox<string>({
      store,
      gate: new SendGate({ clock }),
      clock,
      canSend: () => true,
      unknownPolicy: 'at-most-once',
      send: () => Promise.reject(new Error('bug')),
    });
    const record = throwing.enqueue('a');
    await flushPromises();
    expect(store.get(record.id)).toMatchObject({ state: 'unknown', error: 'transport threw: bug' });
    await outbox.close();
  });

  it('refuses a message beyond the outbox limit instead of dropping anything', () => {
    const { outbox, store } = setup({ up: false, maxQueued: 2 });
    outbox.enqueue('a');
    outbox.enqueue('b');
    expect(() => outbox.enqueue('c')).toThrow(/limit/);
    expect(store.counts().queued).toBe(2);
  });

  it('close() waits for the send in flight up to the grace period, then abandons it as unknown', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const first = outbox.enqueue('a');
    outbox.enqueue('b');
    await flushPromises();
    const closing = outbox.close({ graceMs: 2_000 });
    await clock.advanceAsync(2_000);
    await closing;
    expect(store.get(first.id)?.state).toBe('unknown');
    expect(transport.sent).toEqual(['a']);
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a']);
  });

  it('property: whatever the outcomes, order holds, nothing is lost, and every possible duplicate is marked ambiguous', async () => {
    const outcome = fc.constantFrom<SendOutcome | 'hang'>(
      { kind: 'sent' },
      { kind: 'failed', error: 'permanent' },
      { kind: 'retriable', error: 'Failed to send message' },
      { kind: 'not-sent', error: 'ECONNREFUSED' },
      { kind: 'backend-not-ready', error: 'not ready' },
      { kind: 'rate-limited', error: '429' },
      { kind: 'rate-limited', error: '429', retryAfterMs: 1_000 },
      { kind: 'captcha-required', error: 'proof', challengeToken: 't' },
      { kind: 'unknown', error: 'connection lost after write' },
      'hang',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(outcome, { maxLength: 40 }),
        fc.constantFrom<UnknownPolicy>('at-least-once', 'at-most-once'),
        async (count, outcomes, policy) => {
          const { clock, transport, outbox, store, gate } = setup({ unknownPolicy: policy });
          const results: { index: number; outcome: SendOutcome['kind'] | 'hang' }[] = [];
          transport.queueOutcomes(
            ...outcomes.map((script) => (message: string) => {
              store.counts(); // status is read while a send is in flight
              results.push({ index: Number(message), outcome: script === 'hang' ? 'hang' : script.kind });
              return script;
            }),
          );
          const ids = Array.from({ length: count }, (_, index) => outbox.enqueue(String(index)).id);
          for (let step = 0; step < 400; step++) {
            if (gate.state.state === 'paused' && gate.state.reason === 'captcha-required') gate.open('solved');
            await clock.advanceAsync(3_600_000);
            if (ids.every((id) => ['sent', 'failed', 'unknown'].includes(store.get(id)!.state))) break;
          }
          const records = ids.map((id) => store.get(id)!);
          // nothing lost: every message ended in a state a user can see, none is stuck
          for (const record of records) expect(['sent', 'failed', 'unknown']).toContain(record.state);
          // order: sends never go back to an earlier message
          const order = transport.sent.map(Number);
          for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThanOrEqual(order[i - 1]!);
          // any attempt that may have delivered the message without proof marks it ambiguous, and
          // nothing is sent again after a plain `sent`
          records.forEach((record, index) => {
            const kinds = results.filter((result) => result.index === index).map((result) => result.outcome);
            if (kinds.some((kind) => ['unknown', 'hang', 'rate-limited', 'captcha-required'].includes(kind))) expect(record.ambiguous).toBe(true);
            const sentAt = kinds.indexOf('sent');
            if (sentAt >= 0) expect(sentAt).toBe(kinds.length - 1);
            expect(record.unknownResends).toBeLessThanOrEqual(1);
          });
          await outbox.close();
          gate.close();
        },
      ),
      { numRuns: 1_000 },
    );
  }, 120_000);
});
