import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from './outbox-store.js';
import { deferredStore } from './testing/deferred-store.js';
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
    store.update(a.id, { error: 'boom', backendId: '9' }, 2);
    const cleared = store.update(a.id, { error: undefined }, 3);
    expect(cleared).toMatchObject({ updatedAt: 3, backendId: '9' });
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

  it('finds messages by backend id, following changes of it', () => {
    const store = new MemoryOutboxStore<string>();
    const a = store.add('a', { now: 1 });
    const b = store.add('b', { now: 1 });
    store.update(a.id, { state: 'sent', backendId: '100' }, 2);
    store.update(b.id, { state: 'sent', backendId: '100' }, 2);
    expect(store.findByBackendId('100').map((record) => record.id)).toEqual([a.id, b.id]);
    store.update(b.id, { backendId: '101' }, 3);
    store.update(a.id, { backendId: undefined }, 3);
    expect(store.findByBackendId('100')).toEqual([]);
    expect(store.findByBackendId('101').map((record) => record.id)).toEqual([b.id]);
  });

  it('never reuses an id, not even in a fresh store (ids become idempotency keys)', () => {
    const first = new MemoryOutboxStore<string>().add('a', { now: 1 }).id;
    const second = new MemoryOutboxStore<string>().add('a', { now: 1 }).id;
    expect(first).not.toBe(second);
    expect(first).toMatch(/^m[0-9a-f]{8}-1$/);
  });
});

describe('MemoryOutboxStore keeps the store contract', () => {
  for (const check of outboxStoreContract(() => new MemoryOutboxStore<{ text: string }>({ maxQueued: 3 }), (text) => ({ text }))) it(check.name, check.run);
});

describe('an asynchronous store (MemoryOutboxStore answering on later ticks) keeps the store contract', () => {
  for (const check of outboxStoreContract(() => deferredStore(new MemoryOutboxStore<{ text: string }>({ maxQueued: 3 }), { turns: 2 }), (text) => ({ text }))) it(check.name, check.run);
});

describe('the store contract', () => {
  it('fails a store that reuses ids across fresh stores, an uncapped store and a lossy update, saying expected and actual', async () => {
    const reusing = () => {
      const store = new MemoryOutboxStore<string>({ maxQueued: 3 });
      const add = store.add.bind(store);
      let counter = 0;
      store.add = (payload, options) => ({ ...add(payload, options), id: `m${++counter}` });
      return store;
    };
    const [, ids] = outboxStoreContract(reusing, (text) => text);
    await expect(ids!.run()).rejects.toThrow(/ids: expected four distinct ids from two fresh stores; got m1, m2, m3, m1/);
    const uncapped = outboxStoreContract(() => new MemoryOutboxStore<string>({ maxQueued: 10 }), (text) => text).find((check) => check.name.startsWith('refuses'))!;
    await expect(uncapped.run()).rejects.toThrow(/a fourth message: expected a refusal with code 'outbox-full'.*; got it succeeded/);
    const forgetful = outboxStoreContract(() => {
      const store = new MemoryOutboxStore<string>({ maxQueued: 3 });
      const update = store.update.bind(store);
      store.update = (id, patch, now) => update(id, { ...patch, backendId: undefined }, now);
      return store;
    }, (text) => text).find((check) => check.name.startsWith('update applies'))!;
    await expect(forgetful.run()).rejects.toMatchObject({ code: 'contract-violation', expected: expect.stringContaining('"backendId":"5"') });
  });
});
