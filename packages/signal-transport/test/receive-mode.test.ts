// Issue 10, items 2-4: signal-cli's receive mode is detected, never assumed, every message reaches
// Tether once whatever the mode, a configured mode the daemon contradicts is a clear,
// non-retriable error, and on a multi-account daemon Tether pulls only its own account.
import { MemoryOutboxStore, TransportError } from '@tether/core';
import { startEmulator, type Emulator, type ReceiveMode as DaemonMode } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignalChannel, createSignalTransport, type IncomingEvent, type OutgoingMessage, type ReceiveMode, type SignalChannel } from '../src/index.js';
import { within } from '@tether/test-helpers';
import { ACCOUNT, FAST, FRIEND, collector, linkCause, linkReaches, messagesReach, track, warningLogger } from './helpers.js';

const OTHER = '+4915100000002';
let emulator: Emulator | undefined;
let signal: SignalChannel | undefined;

async function backend(receiveMode: DaemonMode, accounts: readonly string[] = [ACCOUNT]): Promise<Emulator> {
  emulator = await startEmulator({ accounts, rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode } });
  return emulator;
}

function connect(daemon: Emulator, receiveMode?: ReceiveMode) {
  const store = new MemoryOutboxStore<OutgoingMessage>();
  const incoming = collector();
  const { warnings, logger } = warningLogger();
  signal = createSignalChannel({ url: daemon.jsonRpcUrl!, account: ACCOUNT, ...(receiveMode ? { receiveMode } : {}), store, logger, ...FAST, onIncoming: (event) => incoming.push(event) });
  track(signal.channel, store);
  signal.channel.start();
  return { channel: signal.channel, transport: signal.transport, incoming, warnings, lossWindows: signal.lossWindows };
}

const texts = (events: readonly { kind: string }[]) => events.map((event) => ('text' in event ? event.text : event.kind));

/** A send's round trip: everything signal-cli wrote before its answer has been read. */
async function flush(channel: SignalChannel['channel']): Promise<void> {
  await messagesReach(channel, [(await channel.send({ recipients: [FRIEND], message: 'flush' })).id]);
}

afterEach(async () => {
  await signal?.close();
  await emulator?.close();
  signal = undefined;
  emulator = undefined;
});

describe('detected receive mode', () => {
  it('manual: lossless, subscribed once, and no loss window kept', async () => {
    const daemon = await backend('manual');
    daemon.inject({ from: FRIEND, text: 'waited at Signal' });
    const { channel, transport, incoming, lossWindows } = connect(daemon);
    await linkReaches(channel, 'connected');
    expect(texts(await incoming.count(1))).toEqual(['waited at Signal']);
    expect(transport.info).toMatchObject({ receive: 'lossless', receiveMode: 'manual' });
    expect(lossWindows.list()).toEqual([]);
    expect(daemon.stats().subscriptions).toBe(1);
  });

  it.each(['on-start', 'on-connection'] as const)('%s: found from the frames, each message once, one warning naming --receive-mode manual', async (mode) => {
    const daemon = await backend(mode);
    const { channel, transport, incoming, warnings } = connect(daemon);
    await linkReaches(channel, 'connected');
    for (const text of ['one', 'two', 'three']) daemon.inject({ from: FRIEND, text });
    await incoming.count(3);
    await flush(channel);
    expect(texts(incoming.events)).toEqual(['one', 'two', 'three']);
    expect(transport.info).toMatchObject({ receive: 'best-effort', receiveMode: 'on-start' });
    expect(warnings.filter((warning) => warning.includes('--receive-mode manual'))).toHaveLength(1);
    // our explicit subscription duplicated the daemon's own: it was dropped again (the emulator
    // handles a connection's lines in order, so the flush above came after the unsubscribe)
    expect(daemon.stats().subscriptions).toBe(1);
  });
});

describe('a configured mode the daemon contradicts', () => {
  it('manual against an on-start daemon: the link fails with what to change, the message arrives once', async () => {
    const daemon = await backend('on-start');
    const { channel, incoming } = connect(daemon, 'manual');
    await linkReaches(channel, 'connected');
    const lost = linkCause(channel, /configured as manual/);
    const refusedAgain = lost.then(() => linkCause(channel, /configured as manual/));
    daemon.inject({ from: FRIEND, text: 'pushed unasked' });
    expect(await lost).toMatch(/^error: receive mode is configured as manual, but signal-cli pushes every message unasked.*set it to on-start/);
    // the next connect meets the same daemon and refuses at once
    await refusedAgain;
    expect(channel.connection.state.kind).not.toMatch(/^(connected|syncing)$/);
    expect(texts(incoming.events)).toEqual(['pushed unasked']);
  });

  it('on-start against a manual daemon: refused at connect, and nothing is lost meanwhile', async () => {
    const daemon = await backend('manual');
    const refused = connect(daemon, 'on-start');
    expect(await linkCause(refused.channel, /configured as on-start/)).toMatch(/configured as on-start, but signal-cli waits for subscribeReceive.*set it to manual/);
    daemon.inject({ from: FRIEND, text: 'kept at Signal' });
    await signal!.close();
    const fixed = connect(daemon);
    expect(texts(await fixed.incoming.count(1))).toEqual(['kept at Signal']);
  });

  it('is a non-retriable TransportError', async () => {
    const daemon = await backend('manual');
    const transport = createSignalChannel({ url: daemon.jsonRpcUrl!, account: ACCOUNT, receiveMode: 'on-start' }).transport;
    const attempt = transport.connect({ signal: AbortSignal.timeout(2_000), onIncoming: () => undefined });
    await expect(attempt).rejects.toBeInstanceOf(TransportError);
    await expect(attempt).rejects.toMatchObject({ retriable: false });
  });
});

describe('a multi-account daemon', () => {
  it('subscribes only our account: the other account\'s messages stay with signal-cli', async () => {
    const daemon = await backend('manual', [ACCOUNT, OTHER]);
    const { channel, incoming } = connect(daemon);
    await linkReaches(channel, 'connected');
    const theirs = daemon.inject({ account: OTHER, from: FRIEND, text: 'for the other account' });
    daemon.inject({ from: FRIEND, text: 'for us' });
    expect(texts(await incoming.count(1))).toEqual(['for us']);
    await flush(channel);
    expect(signal!.transport.counters.foreignAccount).toBe(0);
    // a second client, for the other account, connects later and gets what waited for it
    const other = createSignalTransport({ url: daemon.jsonRpcUrl!, account: OTHER });
    const received = new Promise<IncomingEvent>((resolve) => {
      void other.connect({ signal: AbortSignal.timeout(5_000), onIncoming: resolve }).then((link) => received.finally(() => link.close()));
    });
    expect(await within(received, 'the other account\'s message')).toMatchObject({ account: OTHER, timestamp: theirs.timestamp, text: 'for the other account' });
    expect(daemon.sent().every((record) => record.account === ACCOUNT)).toBe(true);
  });
});
