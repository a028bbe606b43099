// The outbox store contract: what any OutboxStore must do for the outbox to keep its promises
// (order, no loss, back-pressure, ids fit to be idempotency keys). Synchronous and asynchronous
// stores alike: every call is awaited. Plain async checks that throw, like the transport suites:
//   for (const check of outboxStoreContract(() => new MyStore({ maxQueued: 3 }), (text) => ({ text }))) it(…)
// The factory must give a fresh, empty store that holds at most 3 queued messages.
import type { OutboxStore } from '../outbox-store.js';
import { ContractViolation, describeError, type ContractCheck } from './contract-kit.js';

const SUITE = 'outbox store contract';

export function outboxStoreContract<M>(makeStore: () => OutboxStore<M> | Promise<OutboxStore<M>>, payload: (text: string) => M): ContractCheck[] {
  const check = (name: string, body: (store: OutboxStore<M>) => Promise<void>): ContractCheck => ({
    name,
    run: async () => body(await makeStore()),
  });
  const add = async (store: OutboxStore<M>, text: string, now = 1) => await store.add(payload(text), { now });
  const expect = (condition: boolean, what: string, expected: string, actual: string): void => {
    if (!condition) throw new ContractViolation(SUITE, what, expected, actual);
  };
  const headId = async (store: OutboxStore<M>): Promise<string> => (await store.head())?.id ?? 'no head';
  const refusal = async (attempt: () => unknown): Promise<string> => {
    try {
      await attempt();
      return 'it succeeded';
    } catch (error) {
      return (error as { code?: unknown }).code === 'outbox-full' ? 'outbox-full' : `it failed with ${describeError(error)}`;
    }
  };
  return [
    check('head is the oldest queued message and add keeps the payload', async (store) => {
      const empty = await store.head();
      expect(empty === undefined, 'head of a new store', 'undefined', `message ${empty?.id}`);
      const a = await add(store, 'a', 10);
      await add(store, 'b', 11);
      const head = await store.head();
      expect(head?.id === a.id, 'head', `the first message added (${a.id})`, head?.id ?? 'no head');
      expect(JSON.stringify(head?.payload) === JSON.stringify(payload('a')), 'payload of the head', JSON.stringify(payload('a')), JSON.stringify(head?.payload));
      const fields = { state: head?.state, attempts: head?.attempts, ambiguous: head?.ambiguous, createdAt: head?.createdAt, unknownResends: head?.unknownResends, retriableFailures: head?.retriableFailures };
      const fresh = { state: 'queued', attempts: 0, ambiguous: false, createdAt: 10, unknownResends: 0, retriableFailures: 0 };
      expect(JSON.stringify(fields) === JSON.stringify(fresh), 'a new record', JSON.stringify(fresh), JSON.stringify(fields));
    }),
    check('ids are unique, also across fresh stores (they become idempotency keys)', async (store) => {
      const other = await makeStore();
      const ids = [(await add(store, 'a')).id, (await add(store, 'b')).id, (await add(store, 'c')).id, (await add(other, 'a')).id];
      expect(new Set(ids).size === 4, 'ids', 'four distinct ids from two fresh stores', ids.join(', '));
    }),
    check('a message that leaves the queued state leaves the head, and comes back to its place', async (store) => {
      const a = await add(store, 'a');
      const b = await add(store, 'b');
      await store.update(a.id, { state: 'sending', attempts: 1 }, 2);
      expect((await headId(store)) === b.id, 'head while the first message is sending', b.id, await headId(store));
      await store.update(a.id, { state: 'queued' }, 3);
      expect((await headId(store)) === a.id, 'head once the first message is queued again', a.id, await headId(store));
    }),
    check('update applies the patch, stamps updatedAt and clears fields set to undefined', async (store) => {
      const a = await add(store, 'a');
      await store.update(a.id, { ambiguous: true, error: 'x', backendId: '5' }, 7);
      const cleared = await store.update(a.id, { error: undefined }, 8);
      const seen = { ambiguous: cleared.ambiguous, backendId: cleared.backendId, updatedAt: cleared.updatedAt, error: cleared.error };
      const wanted = { ambiguous: true, backendId: '5', updatedAt: 8 };
      expect(JSON.stringify(seen) === JSON.stringify(wanted), 'the record update returned', JSON.stringify(wanted), JSON.stringify(seen));
      const stored = await store.get(a.id);
      expect(stored?.error === undefined && stored?.backendId === '5', 'the stored record', 'error cleared, backendId "5"', JSON.stringify(stored));
    }),
    check('requeue puts a message at the back', async (store) => {
      const a = await add(store, 'a');
      const b = await add(store, 'b');
      await store.update(a.id, { state: 'failed', error: 'x' }, 2);
      await store.requeue(a.id, 3);
      expect((await headId(store)) === b.id, 'head after a requeue', `the message that was waiting (${b.id})`, await headId(store));
      await store.update(b.id, { state: 'sent' }, 4);
      expect((await headId(store)) === a.id, 'head once the other is sent', `the requeued message (${a.id})`, await headId(store));
    }),
    check('counts and inState report every state', async (store) => {
      const a = await add(store, 'a', 5);
      const b = await add(store, 'b', 6);
      await add(store, 'c', 7);
      await store.update(a.id, { state: 'sending' }, 8);
      await store.update(b.id, { state: 'unknown' }, 8);
      const counts = await store.counts();
      const seen = { queued: counts.queued, sending: counts.sending, failed: counts.failed, unknown: counts.unknown, oldestQueuedAt: counts.oldestQueuedAt };
      const wanted = { queued: 1, sending: 1, failed: 0, unknown: 1, oldestQueuedAt: 7 };
      expect(JSON.stringify(seen) === JSON.stringify(wanted), 'counts', JSON.stringify(wanted), JSON.stringify(seen));
      const sending = (await store.inState('sending')).map((record) => record.id).join();
      expect(sending === a.id, "inState('sending')", a.id, sending || 'none');
    }),
    check("refuses beyond its limit of 3 with code 'outbox-full', losing nothing", async (store) => {
      await add(store, 'a');
      await add(store, 'b');
      await add(store, 'c');
      const answer = await refusal(() => add(store, 'd'));
      expect(answer === 'outbox-full', 'a fourth message', "a refusal with code 'outbox-full' (the factory must cap the store at 3)", answer);
      const queued = (await store.counts()).queued;
      expect(queued === 3, 'queued messages after the refusal', '3', String(queued));
    }),
    check('update of an unknown id fails', async (store) => {
      const answer = await refusal(() => store.update('no-such-id', { state: 'sent' }, 1));
      expect(answer !== 'it succeeded', 'update of an unknown id', 'an error', answer);
    }),
    check('findByBackendId, where offered, finds every message with that backend id', async (store) => {
      if (!store.findByBackendId) return;
      const a = await add(store, 'a');
      await add(store, 'b');
      await store.update(a.id, { state: 'sent', backendId: '77' }, 2);
      const found = (await store.findByBackendId('77')).map((record) => record.id).join();
      expect(found === a.id, "findByBackendId('77')", a.id, found || 'none');
      const none = (await store.findByBackendId('78')).length;
      expect(none === 0, "findByBackendId('78')", 'nothing', `${none} messages`);
    }),
  ];
}
