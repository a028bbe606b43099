import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noopLogger, type Logger } from './logger.js';
import { MemoryOutboxStore, type OutboxRecord, type OutboxStore } from './outbox-store.js';
import { Outbox, type UnknownPolicy } from './outbox.js';
import { SendGate } from './send-gate.js';
import { deferredStore } from './testing/deferred-store.js';
import { FakeClock, flushPromises } from './testing/fake-clock.js';
import { FakeTransport, type FakeOutcomeScript } from './testing/fake-transport.js';
import type { SendOutcomeV2 } from './transport-v2.js';

function setup(options: { unknownPolicy?: UnknownPolicy; up?: boolean; maxQueued?: number; store?: (memory: MemoryOutboxStore<string>) => OutboxStore<string>; logger?: Logger } = {}) {
  const clock = new FakeClock(0);
  const transport = new FakeTransport<string>();
  const memory = new MemoryOutboxStore<string>(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued });
  const store = memory;
  const gate = new SendGate({ clock, random: () => 0.5 });
  const link = { up: options.up ?? true };
  let idle = 0;
  const outbox = new Outbox<string>({
    store: options.store ? options.store(memory) : memory,
    gate,
    clock,
    random: () => 0.5,
    send: (message, sendOptions) => transport.send(message, sendOptions),
    canSend: () => link.up,
    onIdle: () => idle++,
    sendTimeoutMs: 10_000,
    ...(options.unknownPolicy ? { unknownPolicy: options.unknownPolicy } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const changes: OutboxRecord<string>[] = [];
  outbox.onChange((record) => changes.push(record));
  return { clock, transport, store, gate, link, outbox, changes, idle: () => idle };
}

const ids = async (outbox: Outbox<string>, ...texts: string[]): Promise<string[]> => {
  const records = await Promise.all(texts.map((text) => outbox.enqueue(text)));
  return records.map((record) => record.id);
};

describe('Outbox', () => {
  it('sends queued messages in order and keeps the backend id', async () => {
    const { transport, outbox, store, idle } = setup();
    const sent = await ids(outbox, 'one', 'two', 'three');
    await flushPromises();
    expect(transport.sent).toEqual(['one', 'two', 'three']);
    expect(sent.map((id) => store.get(id)?.state)).toEqual(['sent', 'sent', 'sent']);
    expect(store.get(sent[0]!)).toMatchObject({ attempts: 1, ambiguous: false, backendId: '1000' });
    expect(idle()).toBeGreaterThanOrEqual(1);
    expect(outbox.hasBacklog).toBe(false);
  });

  it("gives the backend the record's id as idempotency key, the same on every resend", async () => {
    const { clock, transport, outbox } = setup();
    transport.queueOutcomes('hang', { kind: 'not-sent', error: 'ECONNRESET' });
    const [id] = await ids(outbox, 'a');
    await clock.advanceAsync(10_000 + 5_000 + 1_000);
    expect(transport.sent).toEqual(['a', 'a', 'a']);
    expect(transport.keys).toEqual([id, id, id]);
  });

  it('announces each change after the store took it, in order', async () => {
    const { outbox, changes } = setup();
    const [id] = await ids(outbox, 'a');
    await flushPromises();
    expect(changes.filter((record) => record.id === id).map((record) => record.state)).toEqual(['queued', 'sending', 'sent']);
  });

  it('adopts messages committed to the store by the caller, announcing and sending them', async () => {
    const { transport, outbox, store, changes } = setup();
    const records = [store.add('x', { now: 0 }), store.add('y', { now: 0 })];
    outbox.adopt(records);
    expect(outbox.hasBacklog).toBe(true);
    await flushPromises();
    expect(transport.sent).toEqual(['x', 'y']);
    expect(changes.slice(0, 2).map((record) => record.state)).toEqual(['queued', 'queued']);
  });

  it('paces sends when asked: a burst, then the rate', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<string>();
    const outbox = new Outbox<string>({
      store: new MemoryOutboxStore<string>(),
      clock,
      gate: new SendGate({ clock }),
      canSend: () => true,
      send: (message, options) => transport.send(message, options),
      pacing: { ratePerMinute: 6, burst: 2 },
    });
    await ids(outbox, 'a', 'b', 'c', 'd');
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
    await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(transport.sent).toEqual([]);
    expect(store.counts()).toMatchObject({ queued: 2, oldestQueuedAt: 0 });
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'b']);
  });

  it('survives throwing listeners and a failing store: nothing crashes, the drain is tried again', async () => {
    const { clock, transport, outbox, store } = setup();
    outbox.onChange(() => {
      throw new Error('listener bug');
    });
    const [first] = await ids(outbox, 'a');
    await flushPromises();
    expect(store.get(first!)?.state).toBe('sent');
    const head = store.head.bind(store);
    let failures = 1;
    store.head = () => {
      if (failures-- > 0) throw new Error('disk I/O error');
      return head();
    };
    const [second] = await ids(outbox, 'b');
    await flushPromises();
    expect(store.get(second!)?.state).toBe('queued');
    await clock.advanceAsync(1_000);
    expect(store.get(second!)?.state).toBe('sent');
    expect(transport.sent).toEqual(['a', 'b']);
  });

  it('keeps an outcome the store failed to take, applies it before anything else, and never resends or reorders', async () => {
    const { clock, transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'failed', error: 'not registered' });
    const update = store.update.bind(store);
    let failNextFinal = 1;
    store.update = (id, patch, now) => {
      if (patch.state === 'failed' && failNextFinal-- > 0) throw new Error('database is locked');
      return update(id, patch, now);
    };
    const [first, second] = await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(store.get(first!)?.state).toBe('sending');
    expect(transport.sent).toEqual(['a']);
    await clock.advanceAsync(1_000);
    expect(store.get(first!)).toMatchObject({ state: 'failed', error: 'not registered' });
    expect(store.get(second!)?.state).toBe('sent');
    expect(transport.sent).toEqual(['a', 'b']);
  });

  it('cancelling the last queued message ends the backlog', async () => {
    const { outbox, link, idle } = setup({ up: false });
    const only = await outbox.enqueue('a');
    link.up = true;
    const before = idle();
    await outbox.cancel(only.id);
    await flushPromises();
    expect(idle()).toBeGreaterThan(before);
  });

  it('reports every outcome with its duration, even to a throwing listener', async () => {
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
      onOutcome: (event) => {
        seen.push(event);
        throw new Error('metrics bug');
      },
    });
    transport.queueOutcomes('hang');
    const record = await outbox.enqueue('a');
    await clock.advanceAsync(500);
    expect(seen).toEqual([{ id: record.id, outcome: { kind: 'unknown', reason: 'deadline', error: 'no answer before the deadline' }, durationMs: 500 }]);
    await outbox.close();
  });

  it('fails a permanent error and moves on', async () => {
    const { transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'failed', error: 'The user +49…4567 is not registered.' });
    const [first, second] = await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'failed', error: 'The user +49…4567 is not registered.', ambiguous: false });
    expect(store.get(second!)?.state).toBe('sent');
  });

  it('retries a retriable failure with backoff, at most 3 attempts, keeping order', async () => {
    const { clock, transport, outbox, store } = setup();
    const failure: SendOutcomeV2 = { kind: 'retriable', error: 'Failed to send message' };
    transport.queueOutcomes(failure, failure, failure);
    const [first] = await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'queued', retriableFailures: 1 });
    await clock.advanceAsync(60_000);
    expect(store.get(first!)).toMatchObject({ state: 'failed', attempts: 3, error: 'Failed to send message' });
    expect(transport.sent).toEqual(['a', 'a', 'a', 'b']);
  });

  it('keeps a not-sent message at the head without marking it ambiguous', async () => {
    const { clock, transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'not-sent', error: 'ECONNREFUSED' });
    const [first] = await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'queued', ambiguous: false });
    await clock.advanceAsync(1_000);
    expect(transport.sent).toEqual(['a', 'a', 'b']);
    expect(store.get(first!)?.state).toBe('sent');
  });

  it('pauses the gate on a rate limit, marks the message ambiguous, and resends after the pause', async () => {
    const { clock, transport, outbox, store, gate } = setup();
    transport.queueOutcomes({ kind: 'rate-limited', error: '429', retryAfterMs: 20_000 });
    const [first] = await ids(outbox, 'a');
    await flushPromises();
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'rate-limited', until: 20_000 });
    expect(store.get(first!)).toMatchObject({ state: 'queued', ambiguous: true });
    await ids(outbox, 'b');
    await clock.advanceAsync(19_999);
    expect(transport.sent).toEqual(['a']);
    await clock.advanceAsync(1);
    expect(transport.sent).toEqual(['a', 'a', 'b']);
    expect(store.get(first!)).toMatchObject({ state: 'sent', ambiguous: true });
  });

  it('sends nothing while a captcha is required, until the gate is opened', async () => {
    const { clock, transport, outbox, gate } = setup();
    transport.queueOutcomes({ kind: 'captcha-required', error: 'proof required', challengeToken: 'abc' });
    await ids(outbox, 'a');
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
    const [first] = await ids(outbox, 'a');
    await flushPromises();
    expect(gate.state).toMatchObject({ reason: 'backend-not-ready' });
    expect(store.get(first!)).toMatchObject({ state: 'queued', ambiguous: false });
    await clock.advanceAsync(2_000);
    expect(store.get(first!)?.state).toBe('sent');
  });

  it('unauthorized: the message stays queued, not ambiguous, its attempt counted; the gate pauses and reopens by itself', async () => {
    const { clock, transport, outbox, store, gate } = setup();
    transport.queueOutcomes({ kind: 'unauthorized', error: '401 account de-authorised' });
    const [first] = await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'queued', ambiguous: false, attempts: 1, error: '401 account de-authorised' });
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'unauthorized' });
    await clock.advanceAsync(22_499);
    expect(transport.sent).toEqual(['a']);
    await clock.advanceAsync(1); // equal jitter with random 0.5: 15 s + 7.5 s
    expect(transport.sent).toEqual(['a', 'a', 'b']);
    expect(store.get(first!)).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('at-least-once: a deadline is resent exactly once, after the send-timeout pause', async () => {
    const { clock, transport, outbox, store, gate } = setup();
    transport.queueOutcomes('hang', 'hang');
    const [first] = await ids(outbox, 'a', 'b');
    await clock.advanceAsync(10_000);
    expect(store.get(first!)).toMatchObject({ state: 'queued', ambiguous: true, unknownResends: 1 });
    expect(gate.state).toMatchObject({ reason: 'send-timeout' });
    await clock.advanceAsync(5_000);
    await clock.advanceAsync(10_000);
    expect(store.get(first!)).toMatchObject({ state: 'unknown', ambiguous: true, attempts: 2 });
    await clock.advanceAsync(5_000);
    expect(transport.sent).toEqual(['a', 'a', 'b']);
  });

  it('a connection lost after the write is unknown but does not pause the gate: the link handles it', async () => {
    const { transport, outbox, store, gate, link } = setup();
    transport.queueOutcomes('lose');
    transport.setDefaultOutcome({ kind: 'sent' });
    const [first] = await ids(outbox, 'a', 'b');
    link.up = false; // the link goes down with the connection
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'queued', ambiguous: true, unknownResends: 1, error: 'connection lost after the request was written' });
    expect(gate.isOpen).toBe(true);
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'a', 'b']);
  });

  it('a message that goes back to the queue keeps its place: the next one read during its send is not claimed', async () => {
    const { transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'unknown', reason: 'link-lost', error: 'lost' });
    const [first, second] = await ids(outbox, 'a', 'b');
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'a', 'b']);
    expect(store.get(first!)).toMatchObject({ state: 'sent', ambiguous: true });
    expect(store.get(second!)).toMatchObject({ state: 'sent', ambiguous: false });
  });

  it('stores an outcome and the next claim in one write, and reads nothing back', async () => {
    const { transport, outbox, store, changes } = setup();
    const writes: number[] = [];
    const updateMany = store.updateMany.bind(store);
    store.updateMany = (batch, now) => {
      writes.push(batch.length);
      updateMany(batch, now);
    };
    const [first, , third] = await ids(outbox, 'a', 'b', 'c');
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'b', 'c']);
    expect(writes).toEqual([2, 2]); // a sent + b sending, b sent + c sending
    expect(changes.filter((record) => record.id === first).map((record) => record.state)).toEqual(['queued', 'sending', 'sent']);
    expect(store.get(third!)).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('sends nothing, not even a message already claimed, while it may not act', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<string>();
    const store = new MemoryOutboxStore<string>();
    let allowed = false;
    const outbox = new Outbox<string>({ store, gate: new SendGate({ clock, random: () => 0.5 }), clock, random: () => 0.5, send: (message, options) => transport.send(message, options), canSend: () => true, mayAct: () => allowed });
    const record = await outbox.enqueue('a');
    await flushPromises();
    expect(transport.sent).toEqual([]);
    expect(store.get(record.id)).toMatchObject({ state: 'queued', ambiguous: false, error: expect.stringMatching(/mayAct/) });
    allowed = true;
    await clock.advanceAsync(2_000);
    expect(transport.sent).toEqual(['a']);
    expect(store.get(record.id)).toMatchObject({ state: 'sent' });
  });

  it('at-most-once: an unknown outcome is left unknown for the operator', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const [first] = await ids(outbox, 'a');
    await clock.advanceAsync(10_000);
    expect(store.get(first!)).toMatchObject({ state: 'unknown', ambiguous: true, attempts: 1 });
    await clock.advanceAsync(60_000);
    expect(transport.sent).toEqual(['a']);
  });

  it('a late answer turns an unknown message into sent', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const [first] = await ids(outbox, 'a');
    await clock.advanceAsync(10_000);
    transport.answerLate(0, { kind: 'sent', backendId: '77' });
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'sent', backendId: '77', ambiguous: true });
  });

  it('a late answer that arrives before the unknown outcome was stored still counts', async () => {
    const { clock, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    const early = new Outbox<string>({
      store,
      clock,
      gate: new SendGate({ clock }),
      canSend: () => true,
      unknownPolicy: 'at-most-once',
      send: async (_message, options) => {
        options.onLateOutcome?.({ kind: 'sent', backendId: '5' });
        return { kind: 'unknown', reason: 'deadline', error: 'no answer in time' };
      },
    });
    const record = await early.enqueue('a');
    await flushPromises();
    expect(store.get(record.id)).toMatchObject({ state: 'sent', backendId: '5', ambiguous: true });
    await early.close();
    await outbox.close();
  });

  it('a late answer that is not "sent", or for a message that moved on, changes nothing', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const [first] = await ids(outbox, 'a');
    await clock.advanceAsync(10_000);
    transport.answerLate(0, { kind: 'failed', error: 'x' });
    await flushPromises();
    expect(store.get(first!)?.state).toBe('unknown');
    await outbox.cancel(first!);
    transport.answerLate(0, { kind: 'sent' });
    await flushPromises();
    expect(store.get(first!)?.state).toBe('failed');
  });

  it('records partial recipient failures on a sent message', async () => {
    const { transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'sent', backendId: '5', partialFailures: [{ recipient: '+49…4567', reason: 'IDENTITY_FAILURE' }] });
    const [first] = await ids(outbox, 'a');
    await flushPromises();
    expect(store.get(first!)).toMatchObject({ state: 'sent', error: 'not delivered to 1 recipient(s): IDENTITY_FAILURE' });
  });

  it('moves sent messages forward on receipts, never back, and only sent ones', async () => {
    const { transport, outbox, store } = setup();
    transport.queueOutcomes({ kind: 'sent', backendId: '10' }, { kind: 'sent', backendId: '11' });
    const [a, b, c] = await ids(outbox, 'a', 'b', 'c');
    await flushPromises();
    await outbox.applyReceipt({ type: 'read', backendIds: ['10'] });
    await outbox.applyReceipt({ type: 'delivered', backendIds: ['10', '11', '11', 'unknown-id'] });
    expect([store.get(a!)?.state, store.get(b!)?.state]).toEqual(['read', 'delivered']);
    store.update(c!, { state: 'queued', backendId: '12' }, 1);
    await outbox.applyReceipt({ type: 'read', backendIds: ['12'] });
    expect(store.get(c!)?.state).toBe('queued');
  });

  it('ignores receipts, with one warning, when the store cannot find records by backend id', async () => {
    const warnings: unknown[] = [];
    const logger: Logger = { ...noopLogger, child: () => logger, warn: ((fields: unknown) => warnings.push(fields)) as Logger['warn'] };
    const withoutFind = (memory: MemoryOutboxStore<string>): OutboxStore<string> => {
      const { findByBackendId: _omitted, ...rest } = deferredStore(memory);
      return rest;
    };
    const { outbox, store } = setup({ logger, store: withoutFind });
    const [first] = await ids(outbox, 'a');
    await flushPromises();
    await outbox.applyReceipt({ type: 'read', backendIds: ['1000'] });
    await outbox.applyReceipt({ type: 'read', backendIds: ['1000'] });
    expect(store.get(first!)?.state).toBe('sent');
    expect(warnings).toHaveLength(1);
  });

  it('expires a message whose expiresAt passed while it waited', async () => {
    const { clock, outbox, store, link, transport } = setup({ up: false });
    const first = await outbox.enqueue('a', { expiresAt: 1_000 });
    const second = await outbox.enqueue('b', { expiresAt: 10_000 });
    clock.advance(5_000);
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(store.get(first.id)).toMatchObject({ state: 'failed', error: 'expired' });
    expect(store.get(second.id)?.state).toBe('sent');
    expect(transport.sent).toEqual(['b']);
  });

  it('expires a waiting message on request once its time has passed, and nothing else', async () => {
    const { clock, outbox, store } = setup({ up: false });
    const due = await outbox.enqueue('a', { expiresAt: 1_000 });
    const later = await outbox.enqueue('b', { expiresAt: 5_000 });
    const never = await outbox.enqueue('c');
    clock.advance(2_000);
    expect(await outbox.expire(due.id)).toMatchObject({ state: 'failed', error: 'expired' });
    expect(await outbox.expire(later.id)).toBeUndefined();
    expect(await outbox.expire(never.id)).toBeUndefined();
    expect(await outbox.expire('missing')).toBeUndefined();
    expect(store.get(later.id)?.state).toBe('queued');
  });

  it('cancels queued and unknown messages, refuses others with a conflict', async () => {
    const { outbox, store, link, transport } = setup({ up: false });
    const first = await outbox.enqueue('a');
    expect(await outbox.cancel(first.id)).toMatchObject({ state: 'failed', error: 'cancelled' });
    await expect(outbox.cancel(first.id)).rejects.toThrow(/failed/);
    await expect(outbox.cancel('nope')).rejects.toThrow(/no message/);
    link.up = true;
    transport.queueOutcomes('hang');
    const second = await outbox.enqueue('b');
    await flushPromises();
    expect(store.get(second.id)?.state).toBe('sending');
    expect(outbox.inFlight).toBe(second.id);
    await expect(outbox.cancel(second.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/sending/) });
  });

  it('retries a failed message at the back of the queue', async () => {
    const { transport, outbox, store, link } = setup();
    transport.queueOutcomes({ kind: 'failed', error: 'untrusted identity' });
    const [first] = await ids(outbox, 'a');
    await flushPromises();
    link.up = false;
    await outbox.enqueue('b');
    const retried = await outbox.retry(first!);
    expect(retried).toMatchObject({ state: 'queued' });
    expect(retried.error).toBeUndefined();
    link.up = true;
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a', 'b', 'a']);
    expect(store.get(first!)?.state).toBe('sent');
    await expect(outbox.retry(first!)).rejects.toThrow(/only failed or unknown/);
  });

  it('recovers messages left sending by a crash according to the unknown policy', async () => {
    const leastOnce = setup({ up: false });
    const a = await leastOnce.outbox.enqueue('a');
    leastOnce.store.update(a.id, { state: 'sending', attempts: 1 }, 0);
    expect(await leastOnce.outbox.recover()).toBe(1);
    expect(leastOnce.store.get(a.id)).toMatchObject({ state: 'queued', ambiguous: true, unknownResends: 1 });
    expect(leastOnce.outbox.hasBacklog).toBe(true);

    const mostOnce = setup({ up: false, unknownPolicy: 'at-most-once' });
    const b = await mostOnce.outbox.enqueue('b');
    mostOnce.store.update(b.id, { state: 'sending', attempts: 1 }, 0);
    await mostOnce.outbox.recover();
    expect(mostOnce.store.get(b.id)).toMatchObject({ state: 'unknown', ambiguous: true });
    expect(mostOnce.outbox.hasBacklog).toBe(false);
  });

  it('treats a transport that throws as an unknown outcome that pauses briefly', async () => {
    const { clock, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    const gate = new SendGate({ clock });
    const throwing = new Outbox<string>({
      store,
      gate,
      clock,
      canSend: () => true,
      unknownPolicy: 'at-most-once',
      send: () => Promise.reject(new Error('bug')),
    });
    const record = await throwing.enqueue('a');
    await flushPromises();
    expect(store.get(record.id)).toMatchObject({ state: 'unknown', error: 'transport threw: bug' });
    expect(gate.state).toMatchObject({ reason: 'send-timeout' });
    await outbox.close();
  });

  it('refuses a message beyond the outbox limit instead of dropping anything', async () => {
    const { outbox, store } = setup({ up: false, maxQueued: 2 });
    await ids(outbox, 'a', 'b');
    await expect(outbox.enqueue('c')).rejects.toMatchObject({ code: 'outbox-full' });
    expect(store.counts().queued).toBe(2);
  });

  it('close() waits for the send in flight up to the grace period, then abandons it as unknown', async () => {
    const { clock, transport, outbox, store } = setup({ unknownPolicy: 'at-most-once' });
    transport.queueOutcomes('hang');
    const [first] = await ids(outbox, 'a', 'b');
    await flushPromises();
    const closing = outbox.close({ graceMs: 2_000 });
    await clock.advanceAsync(2_000);
    await closing;
    expect(store.get(first!)?.state).toBe('unknown');
    expect(transport.sent).toEqual(['a']);
    outbox.kick();
    await flushPromises();
    expect(transport.sent).toEqual(['a']);
  });
});

/** Settles the promise jobs of an async store, whatever their number of hops. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await flushPromises();
}

type StoreKind = 'memory' | 'async' | 'async+concurrent enqueues' | 'flaky';

const outcomeArbitrary = fc.constantFrom<Exclude<FakeOutcomeScript<string>, (message: string) => unknown>>(
  { kind: 'sent' },
  { kind: 'failed', error: 'permanent' },
  { kind: 'retriable', error: 'Failed to send message' },
  { kind: 'not-sent', error: 'ECONNREFUSED' },
  { kind: 'backend-not-ready', error: 'not ready' },
  { kind: 'unauthorized', error: '401' },
  { kind: 'rate-limited', error: '429' },
  { kind: 'rate-limited', error: '429', retryAfterMs: 1_000 },
  { kind: 'captcha-required', error: 'proof', challengeToken: 't' },
  { kind: 'unknown', reason: 'link-lost', error: 'connection lost after write' },
  'lose',
  'hang',
);

async function orderAndLossProperty(kind: StoreKind, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 4 }),
      fc.array(outcomeArbitrary, { maxLength: 30 }),
      fc.constantFrom<UnknownPolicy>('at-least-once', 'at-most-once'),
      fc.infiniteStream(fc.integer({ min: 0, max: 4 })),
      async (count, later, outcomes, policy, hops) => {
        const flaky = { failures: 0 };
        const wrap = (memory: MemoryOutboxStore<string>): OutboxStore<string> => {
          if (kind === 'memory') return memory;
          const deferred = deferredStore(memory, { turns: () => hops.next().value });
          if (kind !== 'flaky') return deferred;
          // a store that sometimes refuses a change (before making it), as a full disk would
          const fail = (): boolean => hops.next().value === 0 && flaky.failures++ < 20;
          return {
            ...deferred,
            head: () => (fail() ? Promise.reject(new Error('disk I/O error')) : deferred.head()),
            update: (id, patch, now) => (fail() ? Promise.reject(new Error('disk full')) : deferred.update(id, patch, now)),
          };
        };
        const { clock, transport, outbox, store, gate, link } = setup({ unknownPolicy: policy, store: wrap });
        const results: { index: number; outcome: string }[] = [];
        transport.queueOutcomes(
          ...outcomes.map((script) => (message: string) => {
            store.counts(); // status is read while a send is in flight
            if (script === 'lose') link.up = false; // the link drops with the connection
            results.push({ index: Number(message), outcome: typeof script === 'string' ? script : script.kind });
            return script;
          }),
        );
        const accepted = Array.from({ length: count }, (_, index) => outbox.enqueue(String(index)));
        for (let step = 0; step < 400; step++) {
          if (gate.state.state === 'paused' && gate.state.reason === 'captcha-required') gate.open('solved');
          if (!link.up) {
            link.up = true;
            outbox.kick();
          }
          if (kind === 'async+concurrent enqueues' && step < later) accepted.push(outbox.enqueue(String(count + step)));
          await clock.advanceAsync(3_600_000);
          await settle();
          const records = (await Promise.all(accepted)).map((record) => store.get(record.id)!);
          if (records.every((record) => ['sent', 'failed', 'unknown'].includes(record.state))) break;
        }
        const records = (await Promise.all(accepted)).map((record) => store.get(record.id)!);
        // nothing lost: every message ended in a state a user can see, none is stuck
        for (const record of records) expect(['sent', 'failed', 'unknown']).toContain(record.state);
        // order: sends never go back to an earlier message
        const order = transport.sent.map(Number);
        for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThanOrEqual(order[i - 1]!);
        // any attempt that may have delivered the message without proof marks it ambiguous, and
        // nothing is sent again after a plain `sent`; every resend carried the same key
        records.forEach((record, index) => {
          const kinds = results.filter((result) => result.index === index).map((result) => result.outcome);
          if (kinds.some((each) => ['unknown', 'lose', 'hang', 'rate-limited', 'captcha-required'].includes(each))) expect(record.ambiguous).toBe(true);
          const sentAt = kinds.indexOf('sent');
          if (sentAt >= 0) expect(sentAt).toBe(kinds.length - 1);
          expect(record.unknownResends).toBeLessThanOrEqual(1);
        });
        transport.keys.forEach((key, index) => expect(key).toBe(records[Number(transport.sent[index])]!.id));
        await outbox.close();
        gate.close();
      },
    ),
    { numRuns },
  );
}

describe('Outbox properties: whatever the outcomes, order holds, nothing is lost, every possible duplicate is marked ambiguous', () => {
  it('with the synchronous memory store', () => orderAndLossProperty('memory', 300), 120_000);
  it('with an asynchronous store answering on later ticks', () => orderAndLossProperty('async', 150), 120_000);
  it('with an asynchronous store and enqueues interleaved with the drain', () => orderAndLossProperty('async+concurrent enqueues', 150), 120_000);
  it('with an asynchronous store that sometimes fails a change', () => orderAndLossProperty('flaky', 150), 120_000);
});
