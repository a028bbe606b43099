// Waits the tests need, on events the channel announces (no polling sleeps), each with a guard so
// a broken build fails with a message instead of hanging.
import type { Channel, LinkStateKind } from '@tether/core';
import type { ChatEvent, ChatMessage } from '../src/index.js';

type ChatChannel = Channel<ChatMessage, ChatEvent>;

export function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** Resolves when the link reaches one of `states` (at once if it is there). */
export function linkReaches(channel: ChatChannel, ...states: LinkStateKind[]): Promise<void> {
  if (states.includes(channel.connection.state.kind)) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => {
      const stop = channel.onLinkChange((change) => {
        if (!states.includes(change.to)) return;
        stop();
        resolve();
      });
    }),
    `link ${states.join('|')}`,
  );
}

/** Counts messages that reached `sent`; `reach(n)` resolves once n have. */
export function sentCounter(channel: ChatChannel): { reach(n: number): Promise<void>; readonly count: number } {
  const sent = new Set<string>();
  const waiters: { n: number; resolve: () => void }[] = [];
  channel.onMessageChange((record) => {
    if (record.state !== 'sent') return;
    sent.add(record.id);
    for (const waiter of waiters.filter((entry) => sent.size >= entry.n)) waiter.resolve();
  });
  return {
    get count() {
      return sent.size;
    },
    reach: (n) => (sent.size >= n ? Promise.resolve() : within(new Promise<void>((resolve) => waiters.push({ n, resolve })), `${n} messages sent`)),
  };
}
