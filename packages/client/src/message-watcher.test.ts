import { AbortedError } from '@tether/core';
import { flushPromises } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import type { Message } from '@tether/daemon/protocol';
import type { EventSubscription } from './event-subscription.js';
import type { EventOf } from './events.js';
import { MessageWatcher } from './message-watcher.js';

const at = (second: number): string => new Date(Date.UTC(2026, 2, 1, 12, 0, second)).toISOString();
const message = (id: string, state: Message['state'], second: number): Message => ({ id, state, recipients: ['+15555550142'], createdAt: at(0), updatedAt: at(second), attempts: 1, ambiguous: false });

/** A live `message` subscription the test feeds by hand; counts how often one was opened and closed. */
function harness(read: (id: string) => Message) {
  const stats = { opened: 0, closed: 0, reads: 0 };
  const feeds: ((event: EventOf<'message'>) => void)[] = [];
  const watcher = new MessageWatcher({
    subscribe: () => {
      stats.opened++;
      const queue: EventOf<'message'>[] = [];
      let wake: (() => void) | undefined;
      let closed = false;
      feeds.push((event) => {
        queue.push(event);
        wake?.();
      });
      const subscription: EventSubscription<EventOf<'message'>> = {
        ready: () => Promise.resolve(),
        lastEventId: undefined,
        close: () => {
          closed = true;
          stats.closed++;
          wake?.();
        },
        [Symbol.asyncDispose]: async () => subscription.close(),
        async *[Symbol.asyncIterator]() {
          while (!closed) {
            const next = queue.shift();
            if (next !== undefined) yield next;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      };
      return subscription;
    },
    fetch: async (id) => {
      stats.reads++;
      return read(id);
    },
  });
  const publish = (update: Message): void => feeds.at(-1)?.({ id: '1', kind: 'message', data: update });
  return { watcher, stats, publish };
}

describe('MessageWatcher', () => {
  it('resolves at once when the read finds the message settled', async () => {
    const { watcher, stats } = harness((id) => message(id, 'sent', 2));
    expect(await watcher.wait('m1', new AbortController().signal)).toMatchObject({ state: 'sent' });
    expect(stats).toEqual({ opened: 1, closed: 1, reads: 1 });
  });

  it('follows events after the read, and ignores a stale event published before it', async () => {
    const { watcher, publish } = harness((id) => message(id, 'queued', 5));
    const waiting = watcher.wait('m1', new AbortController().signal);
    await flushPromises();
    publish(message('m1', 'failed', 3)); // older than the read: a retry has happened since
    publish(message('other', 'sent', 6));
    publish(message('m1', 'sending', 6));
    publish(message('m1', 'sent', 7));
    expect(await waiting).toMatchObject({ state: 'sent', updatedAt: at(7) });
  });

  it('shares one subscription between waits and closes it after the last', async () => {
    const { watcher, stats, publish } = harness((id) => message(id, 'queued', 1));
    const signal = new AbortController().signal;
    const first = watcher.wait('a', signal);
    const second = watcher.wait('b', signal);
    await flushPromises();
    publish(message('a', 'sent', 2));
    await first;
    expect(stats.closed).toBe(0);
    publish(message('b', 'unknown', 2));
    expect(await second).toMatchObject({ id: 'b', state: 'unknown' });
    expect(stats).toMatchObject({ opened: 1, closed: 1 });
  });

  it('rejects with AbortedError when aborted, and releases the subscription', async () => {
    const { watcher, stats } = harness((id) => message(id, 'queued', 1));
    const stop = new AbortController();
    const waiting = watcher.wait('m1', stop.signal);
    await flushPromises();
    stop.abort();
    await expect(waiting).rejects.toSatisfy(AbortedError.isInstance);
    expect(stats.closed).toBe(1);
  });
});
