// The event feed behind `GET /v1/events`: replay from Last-Event-ID, then live, with no gap and no
// repeat even when events arrive during the replay; a full sink pauses the subscriber until it
// drains; one that falls too far behind is closed and counted; kinds filter without losing place.
import { noopLogger } from '@tether/core';
import { describe, expect, it } from 'vitest';
import { EventFeed, publicEventData, type FeedSink } from './event-feed.js';
import { EventLog } from './event-log.js';
import type { LoggedEvent } from './ports.js';
import { MemoryEventStore } from './testing/memory-event-store.js';

/** A sink that takes `room` events before it reports itself full, until `drain()`. */
class TestSink implements FeedSink {
  readonly written: LoggedEvent[] = [];
  /** The position the feed said the stream starts from. */
  startedAt: number | undefined;
  room: number;
  closed = false;
  #drain: (() => void)[] = [];
  #close: (() => void)[] = [];

  constructor(room = Number.POSITIVE_INFINITY) {
    this.room = room;
  }

  get ids(): number[] {
    return this.written.map((event) => event.id);
  }

  start(lastId: number): void {
    this.startedAt = lastId;
  }

  write(event: LoggedEvent): boolean {
    this.written.push(event);
    return --this.room > 0;
  }

  onDrain(listener: () => void): void {
    this.#drain.push(listener);
  }

  onClose(listener: () => void): void {
    this.#close.push(listener);
  }

  close(): void {
    this.closed = true;
    for (const listener of this.#close) listener();
  }

  drain(room = Number.POSITIVE_INFINITY): void {
    this.room = room;
    for (const listener of this.#drain) listener();
  }
}

function setup(options: { async?: boolean; maxQueued?: number } = {}): { store: MemoryEventStore; log: EventLog; feed: EventFeed } {
  const store = new MemoryEventStore({ async: options.async ?? false });
  const log = new EventLog(store, noopLogger);
  return { store, log, feed: new EventFeed(log, options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }) };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);
const turns = async (count = 10): Promise<void> => {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe('EventFeed', () => {
  it('replays after the given id, then goes live, with no gap and no repeat while events keep coming', async () => {
    const { log, feed } = setup({ async: true });
    for (let index = 0; index < 1_200; index++) await log.append('incoming', index, { index });
    const sink = new TestSink();
    const subscribed = feed.subscribe(sink, { after: 100 });
    // live events arrive while the replay reads its pages
    const live = [log.append('state', 2_000, {}), log.append('gate', 2_001, {})];
    await subscribed;
    await Promise.all(live);
    await log.append('message', 2_002, {});
    await turns();
    expect(sink.startedAt).toBe(100);
    expect(sink.ids).toEqual(range(101, 1_203));
    expect(feed.subscriberCount).toBe(1);
  });

  it('starts a live-only subscriber at the newest id', async () => {
    const { log, feed } = setup();
    await log.append('incoming', 1, {});
    await log.append('incoming', 2, {});
    const sink = new TestSink();
    await feed.subscribe(sink, {});
    expect(sink.startedAt).toBe(2);
    await log.append('incoming', 3, {});
    expect(sink.ids).toEqual([3]);
  });

  it('pauses at a full sink and resumes from the last id written when it drains', async () => {
    const { log, feed } = setup();
    for (let index = 0; index < 10; index++) await log.append('incoming', index, {});
    const sink = new TestSink(4);
    await feed.subscribe(sink, { after: 0 });
    expect(sink.ids).toEqual([1, 2, 3, 4]);
    await log.append('incoming', 10, {});
    expect(sink.ids).toEqual([1, 2, 3, 4]);
    sink.drain();
    await turns();
    expect(sink.ids).toEqual(range(1, 11));
  });

  it('closes a subscriber that falls more than its queue behind, and counts it; the others go on', async () => {
    const { log, feed } = setup({ maxQueued: 3 });
    const slow = new TestSink(1);
    const fast = new TestSink();
    await feed.subscribe(slow, {});
    await feed.subscribe(fast, {});
    expect(feed.subscriberCount).toBe(2);
    for (let index = 0; index < 6; index++) await log.append('incoming', index, {});
    expect(slow.closed).toBe(true);
    expect(feed.overflows).toBe(1);
    expect(feed.subscriberCount).toBe(1);
    expect(fast.ids).toEqual(range(1, 6));
  });

  it('filters by kind without losing its place, and forgets a subscriber that closed', async () => {
    const { log, feed } = setup();
    await log.append('state', 1, {});
    await log.append('incoming', 2, {});
    const sink = new TestSink();
    await feed.subscribe(sink, { after: 0, kinds: new Set(['incoming']) });
    await log.append('gate', 3, {});
    await log.append('incoming', 4, {});
    expect(sink.ids).toEqual([2, 4]);
    sink.close();
    expect(feed.subscriberCount).toBe(0);
  });

  it('closes every subscriber at shutdown and stops listening', async () => {
    const { log, feed } = setup();
    const sinks = [new TestSink(), new TestSink()];
    for (const sink of sinks) await feed.subscribe(sink, {});
    feed.close();
    expect(sinks.map((sink) => sink.closed)).toEqual([true, true]);
    await log.append('incoming', 1, {});
    expect(sinks.flatMap((sink) => sink.ids)).toEqual([]);
  });
});

describe('publicEventData', () => {
  it('leaves the raw envelope out of incoming events only, keeping the key order', () => {
    const incoming = { id: 1, kind: 'incoming' as const, at: 1, data: JSON.stringify({ kind: 'message', raw: { envelope: 1 }, text: 'hi' }) };
    expect(publicEventData(incoming)).toBe('{"kind":"message","text":"hi"}');
    const plain = { id: 2, kind: 'incoming' as const, at: 1, data: '{"kind":"message"}' };
    expect(publicEventData(plain)).toBe(plain.data);
    const state = { id: 3, kind: 'state' as const, at: 1, data: '{"raw":"kept"}' };
    expect(publicEventData(state)).toBe(state.data);
  });
});
