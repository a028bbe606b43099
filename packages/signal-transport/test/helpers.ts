// Test helpers: wait for a condition that events announce (no polling sleeps), bounded by the
// shared `within` so a broken build fails instead of hanging.
import { MemoryOutboxStore, type Channel, type LinkStateKind, type Logger, type OutboxRecord } from '@tether/core';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { within } from '@tether/test-helpers';
import { createSignalChannel, type IncomingEvent, type OutgoingMessage, type SignalChannel } from '../src/index.js';

export const ACCOUNT = '+4915112345678';
export const FRIEND = '+4915187654321';

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

/** Resolves when the send gate pauses for `reason`. */
export function gatePauses(channel: SignalChannelLike, reason: string): Promise<void> {
  const state = channel.gate.state;
  if (state.state === 'paused' && state.reason === reason) return Promise.resolve();
  return within(
    new Promise<void>((resolve) => {
      const stop = channel.onGateChange((change) => {
        if (change.to.state === 'paused' && change.to.reason === reason) {
          stop();
          resolve();
        }
      });
    }),
    `gate paused ${reason}`,
  );
}

/** Fast timers for tests: short backoffs and pauses, real sockets. */
export const FAST = {
  backoff: { initialMs: 20, factor: 2, maxMs: 200, jitter: 'full' },
  minUptimeMs: 200,
  connectTimeoutMs: 1_000,
  heartbeatIntervalMs: 60_000,
  sendTimeoutMs: 2_000,
  gate: {
    sendTimeoutPauseMs: 50,
    probeTimeoutMs: 300,
    probeBackoff: { initialMs: 50, factor: 2, maxMs: 200, jitter: 'none' },
    unauthorizedBackoff: { initialMs: 100, factor: 2, maxMs: 400, jitter: 'none' },
  },
} as const;

/** A logger that keeps the messages of its warnings (and of its children's). */
export function warningLogger(): { readonly warnings: string[]; readonly logger: Logger } {
  const warnings: string[] = [];
  const noop = (): void => {};
  const logger: Logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: (fields: unknown, message?: string) => void warnings.push(typeof fields === 'string' ? fields : (message ?? '')),
    error: noop,
    child: () => logger,
  };
  return { warnings, logger };
}

/** Resolves with the cause of the first link change whose cause matches `pattern`. */
export function linkCause(channel: SignalChannelLike, pattern: RegExp): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const stop = channel.onLinkChange((change) => {
        if (change.cause !== undefined && pattern.test(change.cause)) {
          stop();
          resolve(change.cause);
        }
      });
    }),
    `a link change caused by ${pattern.source}`,
  );
}

export type BackendName = 'rest' | 'jsonrpc';

/** An emulator serving one backend (JSON-RPC in manual mode) and a started channel on it. */
export async function channelOn(
  backend: BackendName,
  onIncoming: (event: IncomingEvent) => void = () => undefined,
): Promise<{ emulator: Emulator; signal: SignalChannel; store: MemoryOutboxStore<OutgoingMessage> }> {
  const emulator = await startEmulator({ account: ACCOUNT, ...(backend === 'rest' ? {} : { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } }) });
  const store = new MemoryOutboxStore<OutgoingMessage>();
  const signal = createSignalChannel({ url: backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!, account: ACCOUNT, store, ...FAST, onIncoming });
  track(signal.channel, store);
  signal.channel.start();
  await linkReaches(signal.channel, 'connected');
  return { emulator, signal, store };
}
