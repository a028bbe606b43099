// The event log: appends commit in call order (also on a store that answers later), each
// committed event is announced once, in id order, and a failed or refused append is never told.
import { noopLogger } from '@tether/core';
import { FakeClock } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';
import type { LoggedEvent } from './ports.js';
import { MemoryEventStore } from './testing/memory-event-store.js';

function logWith(store: MemoryEventStore): { log: EventLog; heard: LoggedEvent[] } {
  const log = new EventLog(store, noopLogger);
  const heard: LoggedEvent[] = [];
  log.logged((event) => heard.push(event));
  return { log, heard };
}

describe('EventLog', () => {
  it('commits and announces on a synchronous store, refusing a duplicate key without telling anyone', async () => {
    const store = new MemoryEventStore();
    const { log, heard } = logWith(store);
    const first = await log.append('incoming', 10, { text: 'one' }, 'friend:1:100');
    expect(first).toEqual({ id: 1, kind: 'incoming', at: 10, data: '{"text":"one"}' });
    expect(await log.append('incoming', 11, { text: 'again' }, 'friend:1:100')).toBeUndefined();
    await log.append('state', 12, { to: 'connected' });
    expect(heard.map((event) => event.id)).toEqual([1, 2]);
    expect(await log.lastId()).toBe(2);
    expect(await log.lastId('incoming')).toBe(1);
    expect(await log.lastAt()).toBe(12);
    expect(await log.countAfter(0, 'incoming')).toBe(1);
    expect((await log.after(0, 10, 'state')).map((event) => event.kind)).toEqual(['state']);
  });

  it('rejects an append the store refuses, and goes on with the next', async () => {
    const store = new MemoryEventStore();
    const { log, heard } = logWith(store);
    store.failNext = new Error('database or disk is full');
    await expect(log.append('incoming', 1, {})).rejects.toThrow('database or disk is full');
    await expect(log.append('incoming', 2, {})).resolves.toMatchObject({ id: 1 });
    expect(heard).toHaveLength(1);
  });

  it('keeps call order on a store that answers later, past a failure in the middle, and flushes', async () => {
    const store = new MemoryEventStore({ async: true });
    const { log, heard } = logWith(store);
    const appends = [log.append('state', 1, { n: 1 }), log.append('gate', 2, { n: 2 })];
    store.failNext = undefined;
    const failing = log.append('incoming', 3, { n: 3 });
    const failed = expect(failing).rejects.toThrow('disk full');
    // the third append is chained behind the first two; make it the one that fails
    void appends[1]!.then(() => (store.failNext = new Error('disk full')));
    const last = log.append('incoming', 4, { n: 4 });
    await log.flush();
    await failed;
    expect((await Promise.all([...appends, last])).map((event) => event?.id)).toEqual([1, 2, 3]);
    expect(heard.map((event) => JSON.parse(event.data) as { n: number }).map((data) => data.n)).toEqual([1, 2, 4]);
    // once idle, a new append starts a fresh chain
    await expect(log.append('state', 5, {})).resolves.toMatchObject({ id: 4 });
  });

  it('announces what the store committed itself (message events), in order', () => {
    const { log, heard } = logWith(new MemoryEventStore());
    const events: LoggedEvent[] = [
      { id: 7, kind: 'message', at: 1, data: '{}' },
      { id: 8, kind: 'message', at: 1, data: '{}' },
    ];
    log.announce(events);
    expect(heard).toEqual(events);
  });
});

describe('EventLog on a shared store (tail mode)', () => {
  const event = (id: number): LoggedEvent => ({ id, kind: 'message', at: 1, data: `{"n":${id}}` });
  /** A store others write to as well; counts reads. */
  function shared(): { store: MemoryEventStore; reads: () => number } {
    const store = new MemoryEventStore();
    const after = store.after.bind(store);
    let reads = 0;
    store.after = (id, limit, kind) => {
      reads++;
      return after(id, limit, kind);
    };
    return { store, reads: () => reads };
  }

  it('announces its own commits in id order, holding one that came back early, without reading them back', async () => {
    const { store, reads } = shared();
    const log = new EventLog(store, noopLogger, { tail: true });
    const heard: number[] = [];
    log.logged((logged) => heard.push(logged.id));
    await log.start();
    log.announce([event(2), event(3)]); // committed after 1, answered first
    expect(heard).toEqual([]);
    log.announce([event(1)]);
    expect(heard).toEqual([1, 2, 3]);
    expect(reads()).toBe(0);
  });

  it('reads what another instance committed, and nothing for a notification it has announced already', async () => {
    const { store, reads } = shared();
    const log = new EventLog(store, noopLogger, { tail: true });
    const heard: number[] = [];
    log.logged((logged) => heard.push(logged.id));
    await log.start();
    await store.append([{ kind: 'incoming', at: 1, data: {} }]); // another instance's commit: id 1
    log.announce([event(2)]); // ours, held behind 1
    log.wake(2);
    await log.flush();
    expect(heard).toEqual([1, 2]);
    expect(reads()).toBe(1);
    log.wake(2);
    await log.flush();
    expect(reads()).toBe(1);
  });

  it('reads past a gap its own commits do not fill (an id a rolled-back transaction used) after a moment', async () => {
    const clock = new FakeClock(0);
    const { store, reads } = shared();
    const log = new EventLog(store, noopLogger, { tail: true, clock });
    const heard: number[] = [];
    log.logged((logged) => heard.push(logged.id));
    await log.start();
    await store.append([{ kind: 'state', at: 1, data: {} }, { kind: 'state', at: 1, data: {} }]);
    store.events.shift(); // id 1 never became visible
    log.announce([store.events[0]!]);
    expect(heard).toEqual([]);
    clock.advance(19);
    expect(reads()).toBe(0);
    clock.advance(1);
    await log.flush();
    expect(heard).toEqual([2]);
    expect(reads()).toBe(1);
  });
});
