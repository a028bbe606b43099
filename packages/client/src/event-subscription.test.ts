import { FakeClock, flushPromises } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import { ApiError, UnreachableError } from './errors.js';
import type { EventConnection } from './event-connection.js';
import type { EventCursor } from './events.js';
import { Subscription, type SubscribeOptions } from './event-subscription.js';
import type { ServerEvent } from './sse-parser.js';

const POLICY = { initialMs: 100, factor: 2, maxMs: 5_000, jitter: 'full' } as const;
const lost = (): UnreachableError => new UnreachableError('the connection broke', { target: 'test', connected: true, ambiguous: false });
const event = (id: number): ServerEvent => ({ id: String(id), event: 'incoming', data: JSON.stringify({ n: id }) });

/** A scripted connection: events, then an end or a failure, handed out as the consumer pulls. */
class FakeConnection implements EventConnection {
  lastEventId: string | undefined;
  closed = false;
  readonly #items: (ServerEvent | 'end' | Error)[];
  #wake: (() => void) | undefined;

  constructor(startId: string, items: (ServerEvent | 'end' | Error)[] = []) {
    this.lastEventId = startId;
    this.#items = items;
  }

  push(...items: (ServerEvent | 'end' | Error)[]): void {
    this.#items.push(...items);
    this.#wake?.();
  }

  async *events(): AsyncGenerator<ServerEvent, void, undefined> {
    while (!this.closed) {
      const item = this.#items.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      this.lastEventId = item.id;
      yield item;
    }
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }
}

function harness(outcomes: (FakeConnection | Error)[], options: SubscribeOptions = {}) {
  const clock = new FakeClock(0);
  const opened: (EventCursor | undefined)[] = [];
  const reconnects: { attempt: number; delayMs: number }[] = [];
  let released = 0;
  const subscription = new Subscription<{ id: string; n: number }>(
    {
      open: async (since) => {
        opened.push(since);
        const outcome = outcomes.shift();
        if (outcome === undefined) throw lost();
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      map: (raw) => ({ id: raw.id!, n: (JSON.parse(raw.data) as { n: number }).n }),
      clock,
      random: () => 0.5,
      backoff: POLICY,
      where: 'test',
      released: () => void released++,
    },
    { onReconnecting: (info) => reconnects.push({ attempt: info.attempt, delayMs: info.delayMs }), ...options },
  );
  return { clock, opened, reconnects, subscription, released: () => released };
}

/** Pulls `count` events, letting the fake clock run any backoff wait in between. */
async function take(clock: FakeClock, iterator: AsyncIterator<{ n: number }>, count: number): Promise<number[]> {
  const seen: number[] = [];
  while (seen.length < count) {
    const next = iterator.next();
    let settled = false;
    next.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) await clock.next();
    const result = await next;
    if (result.done === true) break;
    seen.push(result.value.n);
  }
  return seen;
}

describe('Subscription', () => {
  it('resumes after the last event it handed out, and never hands one out twice', async () => {
    const first = new FakeConnection('5', [event(6), event(7), lost()]);
    // A resumed stream that (wrongly) repeats 7 must not make the consumer see it again.
    const second = new FakeConnection('7', [event(7), event(8)]);
    const { clock, opened, subscription } = harness([first, second], { since: 5 });
    const iterator = subscription[Symbol.asyncIterator]();
    expect(await take(clock, iterator, 3)).toEqual([6, 7, 8]);
    expect(opened).toEqual([5, '7']);
    expect(first.closed).toBe(true);
    expect(subscription.lastEventId).toBe('8');
    subscription.close();
  });

  it('resumes from the position announced on connect when the stream broke before any event', async () => {
    const first = new FakeConnection('40', ['end']);
    const second = new FakeConnection('40', [event(41)]);
    const { clock, opened, subscription } = harness([first, second]);
    expect(await take(clock, subscription[Symbol.asyncIterator](), 1)).toEqual([41]);
    expect(opened).toEqual([undefined, '40']);
    subscription.close();
  });

  it('waits by the backoff policy (jitter after the cap), longer per failed attempt, afresh after a healthy connection', async () => {
    const healthy = new FakeConnection('1', [event(2)]);
    const { clock, reconnects, subscription } = harness([new FakeConnection('1', [lost()]), lost(), lost(), healthy, new FakeConnection('2', [event(3)])]);
    const iterator = subscription[Symbol.asyncIterator]();
    expect(await take(clock, iterator, 1)).toEqual([2]);
    expect(reconnects).toEqual([
      { attempt: 1, delayMs: 50 },
      { attempt: 2, delayMs: 100 },
      { attempt: 3, delayMs: 200 },
    ]);
    await clock.advanceAsync(5_000);
    healthy.push(lost());
    expect(await take(clock, iterator, 1)).toEqual([3]);
    expect(reconnects.at(-1)).toEqual({ attempt: 1, delayMs: 50 });
    subscription.close();
  });

  it('ends with a refusal (4xx) instead of retrying it', async () => {
    const refused = new ApiError(401, 'unauthorized', 'a valid token is required');
    const { clock, subscription } = harness([new FakeConnection('1', [lost()]), refused]);
    await expect(take(clock, subscription[Symbol.asyncIterator](), 1)).rejects.toBe(refused);
  });

  it('fails on a first connection that finds nobody, unless told to wait for the daemon', async () => {
    const failing = harness([lost()]);
    await expect(failing.subscription.ready()).rejects.toSatisfy(UnreachableError.isInstance);
    expect([failing.subscription.closed, failing.released()]).toEqual([true, 1]);
    await expect(take(failing.clock, failing.subscription[Symbol.asyncIterator](), 1)).rejects.toSatisfy(UnreachableError.isInstance);
    expect(failing.released()).toBe(1);

    const waiting = harness([lost(), lost(), new FakeConnection('0', [event(1)])], { waitForDaemon: true });
    expect(await take(waiting.clock, waiting.subscription[Symbol.asyncIterator](), 1)).toEqual([1]);
    expect(waiting.opened).toHaveLength(3);
    waiting.subscription.close();
  });

  it('ready() resolves once open; close() and the signal end the iteration quietly and release once', async () => {
    const connection = new FakeConnection('3');
    const { subscription, released } = harness([connection]);
    await subscription.ready();
    expect(subscription.lastEventId).toBe('3');
    const next = subscription[Symbol.asyncIterator]().next();
    await flushPromises();
    subscription.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(connection.closed).toBe(true);
    expect(released()).toBe(1);

    const stop = new AbortController();
    const aborted = harness([new FakeConnection('3')], { signal: stop.signal });
    await aborted.subscription.ready();
    const pending = aborted.subscription[Symbol.asyncIterator]().next();
    stop.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(aborted.released()).toBe(1);
  });

  it('stops in a backoff wait at once when closed, and can be iterated only once', async () => {
    const { clock, subscription, released } = harness([new FakeConnection('1', [lost()])]);
    const iterator = subscription[Symbol.asyncIterator]();
    expect(() => subscription[Symbol.asyncIterator]()).toThrow(TypeError);
    const next = iterator.next();
    await flushPromises();
    expect(clock.pending).toBe(1);
    subscription.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(clock.pending).toBe(0);
    expect(released()).toBe(1);
  });

  it('rejects ready() with AbortedError when closed before it opened', async () => {
    const stop = new AbortController();
    stop.abort();
    const { subscription, opened } = harness([new FakeConnection('1')], { signal: stop.signal });
    await expect(subscription.ready()).rejects.toMatchObject({ code: 'aborted' });
    expect(subscription.closed).toBe(true);
    expect(opened).toEqual([undefined]);
  });
});
