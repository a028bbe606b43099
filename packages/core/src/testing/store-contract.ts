// The outbox store contract: what any OutboxStore must do for the outbox to keep its promises
// (order, no loss, back-pressure). Plain async checks that throw, like the transport contract:
//   for (const check of outboxStoreContract(() => new MyStore({ maxQueued: 3 }), (text) => ({ text }))) it(…)
// The factory must give a fresh, empty store that holds at most 3 queued messages; `payload`
// builds a valid payload of the store's type from a short text.
import type { OutboxStore } from '../outbox-store.js';
import type { ContractCheck } from './contract.js';

export function outboxStoreContract<M>(makeStore: () => OutboxStore<M> | Promise<OutboxStore<M>>, payload: (text: string) => M): ContractCheck[] {
  const check = (name: string, body: (store: OutboxStore<M>) => void): ContractCheck => ({
    name,
    run: async () => body(await makeStore()),
  });
  const add = (store: OutboxStore<M>, text: string, now = 1) => store.add(payload(text), { now });
  return [
    check('head is the oldest queued message and add keeps the payload', (store) => {
      assert(store.head() === undefined, 'a new store has a head');
      const a = add(store, 'a', 10);
      add(store, 'b', 11);
      const head = store.head();
      assert(head?.id === a.id && JSON.stringify(head.payload) === JSON.stringify(payload('a')), 'head is not the first added, or its payload changed');
      assert(head.state === 'queued' && head.attempts === 0 && head.ambiguous === false && head.createdAt === 10, 'a new record has the wrong fields');
    }),
    check('ids are unique', (store) => {
      const ids = new Set([add(store, 'a').id, add(store, 'b').id, add(store, 'c').id]);
      assert(ids.size === 3, 'ids repeat');
    }),
    check('a message that leaves the queued state leaves the head', (store) => {
      const a = add(store, 'a');
      const b = add(store, 'b');
      store.update(a.id, { state: 'sending', attempts: 1 }, 2);
      assert(store.head()?.id === b.id, 'a sending message is still the head');
      store.update(a.id, { state: 'queued' }, 3);
      assert(store.head()?.id === a.id, 'a message put back to queued lost its place');
    }),
    check('update applies the patch, stamps updatedAt and clears fields set to undefined', (store) => {
      const a = add(store, 'a');
      store.update(a.id, { ambiguous: true, error: 'x', signalTimestamp: 5 }, 7);
      const cleared = store.update(a.id, { error: undefined }, 8);
      assert(cleared.ambiguous === true && cleared.signalTimestamp === 5 && cleared.updatedAt === 8, 'patch not applied');
      assert(cleared.error === undefined, 'error not cleared');
      assert(store.get(a.id)?.error === undefined, 'error not cleared in the store');
    }),
    check('requeue puts a message at the back', (store) => {
      const a = add(store, 'a');
      const b = add(store, 'b');
      store.update(a.id, { state: 'failed', error: 'x' }, 2);
      store.requeue(a.id, 3);
      assert(store.head()?.id === b.id, 'requeued message jumped the queue');
      store.update(b.id, { state: 'sent' }, 4);
      assert(store.head()?.id === a.id, 'requeued message is not queued');
    }),
    check('counts and inState report every state', (store) => {
      const a = add(store, 'a', 5);
      const b = add(store, 'b', 6);
      add(store, 'c', 7);
      store.update(a.id, { state: 'sending' }, 8);
      store.update(b.id, { state: 'unknown' }, 8);
      const counts = store.counts();
      assert(counts.queued === 1 && counts.sending === 1 && counts.unknown === 1 && counts.failed === 0, 'counts are wrong');
      assert(counts.oldestQueuedAt === 7, 'oldestQueuedAt is wrong');
      assert(store.inState('sending').map((record) => record.id).join() === a.id, 'inState is wrong');
    }),
    check('refuses beyond its limit without losing what it holds', (store) => {
      add(store, 'a');
      add(store, 'b');
      add(store, 'c');
      let refused = false;
      try {
        add(store, 'd');
      } catch (error) {
        refused = (error as { code?: string }).code === 'outbox-full';
      }
      assert(refused, 'a fourth message was not refused with OutboxFullError');
      assert(store.counts().queued === 3, 'the refusal changed the queue');
    }),
    check('update of an unknown id throws', (store) => {
      let threw = false;
      try {
        store.update('no-such-id', { state: 'sent' }, 1);
      } catch {
        threw = true;
      }
      assert(threw, 'no error for an unknown id');
    }),
  ];
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`store contract: ${message}`);
}
