// Makes any outbox store asynchronous: every answer arrives some promise-job hops later, as it
// would from PostgreSQL or IndexedDB, so it interleaves with everything else the outbox and its
// callers do meanwhile. The outbox's property tests run against it; so can a store's author.
import type { OutboxStore } from '../outbox-store.js';

export interface DeferredStoreOptions {
  /** How many hops each answer waits; a function varies it per call (random interleavings). @default 1 */
  readonly turns?: number | (() => number);
}

const hop = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

/** `store` with every method answering through a promise that settles `turns` hops later. */
export function deferredStore<M>(store: OutboxStore<M>, options: DeferredStoreOptions = {}): OutboxStore<M> {
  const turns = options.turns ?? 1;
  const later = async <T>(work: () => T | Promise<T>): Promise<T> => {
    for (let left = typeof turns === 'function' ? turns() : turns; left > 0; left--) await hop();
    return await work();
  };
  const find = store.findByBackendId?.bind(store);
  return {
    add: (payload, addOptions) => later(() => store.add(payload, addOptions)),
    head: () => later(() => store.head()),
    get: (id) => later(() => store.get(id)),
    update: (id, patch, now) => later(() => store.update(id, patch, now)),
    requeue: (id, now) => later(() => store.requeue(id, now)),
    inState: (state) => later(() => store.inState(state)),
    counts: () => later(() => store.counts()),
    ...(find ? { findByBackendId: (backendId: string) => later(() => find(backendId)) } : {}),
  };
}
