// Test helpers: wait for a condition that events announce (no polling sleeps), with a generous
// guard so a broken build fails instead of hanging.
import type { Channel, LinkStateKind, OutboxRecord } from '@tether/core';
import type { IncomingEvent, OutgoingMessage } from '../src/index.js';

export const ACCOUNT = '+4915112345678';
export const FRIEND = '+4915187654321';

export function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

type SignalChannelLike = Channel<OutgoingMessage, IncomingEvent>;

/** Resolves when the link reaches one of `states` (at once if it is there already). */
export function linkReaches(channel: SignalChannelLike, ...states: LinkStateKind[]): Promise<void> {
  if (states.includes(channel.connection.state.kind)) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => {
      const stop = channel.onLinkChange((change) => {
        if (states.includes(change.to)) {
          stop();
          resolve();
        }
      });
    }),
    `link state ${states.join('|')}`,
  );
}

/** Resolves when every id has reached one of `states`. */
export function messagesReach(channel: SignalChannelLike, ids: readonly string[], states: readonly string[] = ['sent']): Promise<OutboxRecord<OutgoingMessage>[]> {
  const store = channel.outbox;
  const current = (): (OutboxRecord<OutgoingMessage> | undefined)[] => ids.map((id) => getRecord(channel, id));
  const done = (): boolean => current().every((record) => record !== undefined && states.includes(record.state));
  if (done()) return Promise.resolve(current() as OutboxRecord<OutgoingMessage>[]);
  return within(
    new Promise((resolve) => {
      const stop = store.onChange(() => {
        if (done()) {
          stop();
          resolve(current() as OutboxRecord<OutgoingMessage>[]);
        }
      });
    }),
    `messages ${states.join('|')}`,
  );
}

const stores = new WeakMap<SignalChannelLike, { get(id: string): OutboxRecord<OutgoingMessage> | undefined }>();

/** Registers the store behind a channel so helpers can read records. */
export function track<T extends SignalChannelLike>(channel: T, store: { get(id: string): OutboxRecord<OutgoingMessage> | undefined }): T {
  stores.set(channel, store);
  return channel;
}

function getRecord(channel: SignalChannelLike, id: string): OutboxRecord<OutgoingMessage> | undefined {
  return stores.get(channel)?.get(id);
}

/** Collects incoming events; `next(n)` resolves once n have arrived in total. */
export function collector(): { readonly events: IncomingEvent[]; push(event: IncomingEvent): void; count(n: number): Promise<IncomingEvent[]> } {
  const events: IncomingEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    events,
    push(event) {
      events.push(event);
      for (const waiter of waiters.filter((entry) => events.length >= entry.n)) waiter.resolve();
    },
    count(n) {
      if (events.length >= n) return Promise.resolve(events);
      return within(new Promise<IncomingEvent[]>((resolve) => waiters.push({ n, resolve: () => resolve(events) })), `${n} incoming events`);
    },
  };
}
