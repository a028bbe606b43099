import { describe, expect, it, vi } from 'vitest';
import { noopLogger, type Logger } from './logger.js';
import { flushPromises } from './testing/fake-clock.js';
import { Watchable } from './watchable.js';

/** Reads everything a finished stream yields. */
async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of stream) values.push(value);
  return values;
}

describe('Watchable value and listeners', () => {
  it('holds its current value', () => {
    const watchable = new Watchable('idle');
    expect(watchable.value).toBe('idle');
    watchable.set('busy');
    expect(watchable.value).toBe('busy');
    expect(watchable.ended).toBe(false);
  });

  it('calls each listener on every change, not with the current value', () => {
    const watchable = new Watchable(0);
    const seen: number[] = [];
    watchable.on((value) => seen.push(value));
    expect(seen).toEqual([]);
    watchable.set(1);
    watchable.set(2);
    expect(seen).toEqual([1, 2]);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const watchable = new Watchable(0);
    const seen: number[] = [];
    const unsubscribe = watchable.on((value) => seen.push(value));
    watchable.set(1);
    unsubscribe();
    watchable.set(2);
    expect(seen).toEqual([1]);
  });

  it('still calls every listener when one unsubscribes another during a change', () => {
    const watchable = new Watchable(0);
    const seen: string[] = [];
    let unsubscribeSecond = (): void => {};
    watchable.on((value) => {
      seen.push(`first ${value}`);
      unsubscribeSecond();
    });
    unsubscribeSecond = watchable.on((value) => seen.push(`second ${value}`));
    watchable.set(1);
    watchable.set(2);
    expect(seen).toEqual(['first 1', 'second 1', 'first 2']);
  });

  it('keeps calling the other listeners, and keeps its value, when a listener throws', () => {
    const errors: unknown[] = [];
    const logger = { ...noopLogger, error: (fields: Record<string, unknown> | string) => errors.push(fields) } as Logger;
    const watchable = new Watchable(0, { logger });
    const seen: number[] = [];
    watchable.on(() => {
      throw new Error('listener bug');
    });
    watchable.on((value) => seen.push(value));
    watchable.set(1);
    expect(seen).toEqual([1]);
    expect(watchable.value).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ err: expect.objectContaining({ message: 'listener bug' }) })]);
  });

  it('gives a disposer that also works with using', () => {
    const watchable = new Watchable(0);
    const seen: number[] = [];
    {
      using _subscription = watchable.on((value) => seen.push(value));
      watchable.set(1);
    }
    watchable.set(2);
    expect(seen).toEqual([1]);
  });

  it('ignores every set after end and keeps the last value', () => {
    const watchable = new Watchable(0);
    watchable.set(1);
    watchable.end();
    watchable.set(2);
    expect(watchable.ended).toBe(true);
    expect(watchable.value).toBe(1);
  });

  // Bug: end() calls every on() listener with the unchanged current value, which contradicts
  // on()'s contract ("on every change, not with the current value") and reports a change that
  // did not happen.
  it('does not call plain listeners when it ends', () => {
    const watchable = new Watchable(0);
    const seen: number[] = [];
    watchable.on((value) => seen.push(value));
    watchable.set(1);
    watchable.end();
    expect(seen).toEqual([1]);
  });
});

describe('Watchable streams', () => {
  it('yield the current value first, then every change, and end with the watchable', async () => {
    const watchable = new Watchable('connecting');
    const stream = watchable.stream();
    expect(await stream.next()).toEqual({ done: false, value: 'connecting' });
    const pending = stream.next();
    watchable.set('connected');
    expect(await pending).toEqual({ done: false, value: 'connected' });
    watchable.set('disconnected');
    watchable.set('reconnecting');
    watchable.end();
    expect(await collect(stream)).toEqual(['disconnected', 'reconnecting']);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('works with for await … of', async () => {
    const watchable = new Watchable(0);
    const reading = collect(watchable.stream());
    for (const value of [1, 2, 3]) {
      await flushPromises();
      watchable.set(value);
    }
    watchable.end();
    expect(await reading).toEqual([0, 1, 2, 3]);
  });

  it('give each subscriber its own queue', async () => {
    const watchable = new Watchable(0);
    const early = watchable.stream();
    watchable.set(1);
    const late = watchable.stream();
    watchable.set(2);
    watchable.end();
    expect(await collect(early)).toEqual([0, 1, 2]);
    expect(await collect(late)).toEqual([1, 2]);
  });

  it('drop the oldest values of a subscriber that falls behind, keeping the newest', async () => {
    const watchable = new Watchable(0);
    const small = watchable.stream({ capacity: 2 });
    const standard = watchable.stream();
    for (let value = 1; value <= 100; value++) watchable.set(value);
    watchable.end();
    expect(await collect(small)).toEqual([99, 100]);
    const values = await collect(standard);
    expect(values).toHaveLength(64);
    expect(values[0]).toBe(37);
    expect(values.at(-1)).toBe(100);
  });

  it('reject a capacity below 1', () => {
    expect(() => new Watchable(0).stream({ capacity: 0 })).toThrow(RangeError);
  });

  it('of an ended watchable yield the last value and end', async () => {
    const watchable = new Watchable('open');
    watchable.end();
    expect(await collect(watchable.stream())).toEqual(['open']);
  });

  it('end when their signal aborts, even while a reader waits', async () => {
    const watchable = new Watchable(0);
    const controller = new AbortController();
    const stream = watchable.stream({ signal: controller.signal });
    await stream.next();
    const waiting = stream.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    watchable.set(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('with an aborted signal take no changes', async () => {
    const watchable = new Watchable(0);
    const stream = watchable.stream({ signal: AbortSignal.abort() });
    watchable.set(1);
    const values = await collect(stream);
    expect(values).not.toContain(1);
  });

  it('stop at return(), dropping anything unread, and unsubscribe', async () => {
    const watchable = new Watchable(0);
    const { signal } = new AbortController();
    const remove = vi.spyOn(signal, 'removeEventListener');
    const stream = watchable.stream({ signal });
    watchable.set(1);
    expect(await stream.return!()).toEqual({ done: true, value: undefined });
    expect(remove).toHaveBeenCalledTimes(1);
    watchable.set(2);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('stop when a for await loop breaks', async () => {
    const watchable = new Watchable(0);
    const stream = watchable.stream();
    for await (const value of stream) {
      expect(value).toBe(0);
      break;
    }
    watchable.set(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('are their own async iterator', () => {
    const stream = new Watchable(0).stream();
    expect(stream[Symbol.asyncIterator]()).toBe(stream);
  });

  it('remove their abort listener when the watchable ends', async () => {
    const watchable = new Watchable(0);
    const { signal } = new AbortController();
    const add = vi.spyOn(signal, 'addEventListener');
    const remove = vi.spyOn(signal, 'removeEventListener');
    const stream = watchable.stream({ signal });
    watchable.end();
    await collect(stream);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
  });

  // Bug: on an already-ended watchable, stream() subscribes with on() and adds an abort listener,
  // then never calls finish(): both leak for as long as the watchable and the signal live.
  it('of an ended watchable leave no abort listener behind', async () => {
    const watchable = new Watchable(0);
    watchable.end();
    const { signal } = new AbortController();
    const add = vi.spyOn(signal, 'addEventListener');
    const remove = vi.spyOn(signal, 'removeEventListener');
    await collect(watchable.stream({ signal }));
    const removed = remove.mock.calls.map(([, listener]) => listener);
    for (const [, listener] of add.mock.calls) expect(removed).toContain(listener);
  });

  // Bug: a single `wake` slot means a second pending next() overwrites the first one's resolver;
  // the first never settles, not even when the watchable ends.
  it('settle concurrent next() calls in order', async () => {
    const watchable = new Watchable(0);
    const stream = watchable.stream();
    await stream.next();
    const settled: IteratorResult<number>[] = [];
    void stream.next().then((result) => settled.push(result));
    void stream.next().then((result) => settled.push(result));
    watchable.set(1);
    watchable.set(2);
    watchable.end();
    for (let turn = 0; turn < 5; turn++) await flushPromises();
    expect(settled).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
    ]);
  });
});
