import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from './outbox-store.js';
import { outboxStoreContract } from './testing/store-contract.js';

describe('MemoryOutboxStore', () => {
  it('gives the oldest queued message as the head, skipping messages that left the queue', () => {
    const store = new MemoryOutboxStore<string>();
    const a = store.add('a', { now: 1 });
    const b = store.add('b', { now: 2, expiresAt: 50 });
    expect(store.head()?.id).toBe(a.id);
    store.update(a.id, { state: 'sent' }, 3);
    expect(store.head()).toMatchObject({ id: b.id, payload: 'b', expiresAt: 50 });
    store.update(b.id, { state: 'failed', error: 'cancelled' }, 4);
    expect(store.head()).toBeUndefined();
  });

  it('stamps updatedAt and clears optional fields patched with undefined', () => {
    const store = new MemoryOutboxStore<string>();
    const a = store.add('a', { now: 1 });
    store.update(a.id, { error: 'boom', signalTimestamp: 9 }, 2);
    const cleared = store.update(a.id, { error: undefined }, 3);
    expect(cleared).toMatchObject({ updatedAt: 3, signalTimestamp: 9 });
    expect('error' in cleared).toBe(false);
    expect(() => store.update('missing', {}, 4)).toThrow(/no message/);
    expect(() => store.requeue('missing', 4)).toThrow(/no message/);
  });

  it('requeues at the back', () => {
    const store = new MemoryOutboxStore<string>();
    const a = store.add('a', { now: 1 });
    const b = store.add('b', { now: 2 });
    store.update(a.id, { state: 'failed' }, 3);
    store.requeue(a.id, 4);
    expect(store.head()?.id).toBe(b.id);
    store.update(b.id, { state: 'sent' }, 5);
    expect(store.head()?.id).toBe(a.id);
  });

  it('counts messages by state with the oldest queued time', () => {
    const store = new MemoryOutboxStore<string>();
    const a = store.add('a', { now: 10 });
    store.add('b', { now: 20 });
    const c = store.add('c', { now: 30 });
    store.update(a.id, { state: 'sending' }, 40);
    store.update(c.id, { state: 'unknown' }, 41);
    expect(store.counts()).toEqual({ queued: 1, sending: 1, failed: 0, unknown: 1, oldestQueuedAt: 20 });
    expect(store.inState('sending').map((record) => record.id)).toEqual([a.id]);
  });

  it('refuses beyond its limit and makes room again from messages that left the queue', () => {
    const store = new MemoryOutboxStore<string>({ maxQueued: 2 });
    const a = store.add('a', { now: 1 });
    const b = store.add('b', { now: 2 });
    expect(() => store.add('c', { now: 3 })).toThrow(/limit/);
    store.update(b.id, { state: 'failed', error: 'cancelled' }, 4); // a stale entry in the middle of the ring
    const c = store.add('c', { now: 5 });
    expect(() => store.requeue(b.id, 6)).toThrow(/limit/);
    expect(store.get(b.id)?.state).toBe('failed');
    store.update(a.id, { state: 'sent' }, 7);
    expect(store.head()?.id).toBe(c.id);
    expect(store.counts().queued).toBe(1);
  });
});

describe('MemoryOutboxStore keeps the store contract', () => {
  for (const check of outboxStoreContract(() => new MemoryOutboxStore<{ text: string }>({ maxQueued: 3 }), (text) => ({ text }))) it(check.name, check.run);
});
